using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Tests.Rewards;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Dossier;

/// <summary>The sanctions and grants sections of GetPlayerDossier, on the rewards world (p001..p010 on s1, p011..p020 on s2).</summary>
public sealed class DossierSectionTests(RewardsFixture fx) : IClassFixture<RewardsFixture>
{
    private PlayerService.PlayerServiceClient Players(string user, Role role, params string[] scope) =>
        new(fx.Server.Channel(scope.Length == 0 ? fx.Token(user, role) : fx.Server.ScopedStaffToken(user, scope, role)));

    [Fact]
    public async Task Sanctions_and_grants_appear_in_their_sections_with_their_states()
    {
        var gm = fx.Staff("gus.gm");
        var expiring = (await gm.IssueSanctionAsync(SanctionsKit.Mute("p001", "s1", TimeSpan.FromMinutes(10)))).Sanction;
        // A ban on a server the player does not live on: still part of this player's record.
        var ban = (await gm.IssueSanctionAsync(SanctionsKit.Ban("p001", SanctionsKit.OnServer("s2")).With(r => r.OverrideReason = "test duration"))).Sanction;
        await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.SanctionId, Reason = "appeal upheld", TicketRef = "T-9" });
        fx.Clock.Advance(TimeSpan.FromMinutes(11));
        var active = (await gm.IssueSanctionAsync(SanctionsKit.Mute("p001", "s1", TimeSpan.FromHours(1)))).Sanction;

        var agent = fx.Rewards("dora.agent", Role.Agent);
        var delivered = (await agent.CreateGrantAsync(Grant("k-dossier-1", "gold", 100, "p001"))).Grant;
        Assert.Equal(GrantState.Approved, delivered.State);
        Assert.Equal(1, await fx.AckAsync($"grant:{delivered.GrantId}:p001"));
        var waiting = (await agent.CreateGrantAsync(Grant("k-dossier-2", "gem", 20, "p001", "p002"))).Grant; // 2,000 per player > 1,000 per grant
        Assert.Equal(GrantState.PendingApproval, waiting.State);

        var dossier = await Players("vic.viewer", Role.Viewer).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p001" });

        var inForce = Assert.Single(dossier.ActiveSanctions);
        Assert.Equal((active.SanctionId.ToString(CultureInfo.InvariantCulture), "mute", "s1", "active"), (inForce.SanctionId, inForce.Kind, inForce.GameServerId, inForce.State));
        Assert.Equal(("chat_abuse", "spamming world chat", "gus.gm"), (inForce.ReasonCode, inForce.Reason, inForce.IssuedBy));
        Assert.Equal(fx.Clock.GetUtcNow() + TimeSpan.FromHours(1), inForce.EndsAt.ToDateTimeOffset());
        Assert.Null(inForce.LiftedAt);

        Assert.Equal([ban.SanctionId.ToString(CultureInfo.InvariantCulture), expiring.SanctionId.ToString(CultureInfo.InvariantCulture)], dossier.SanctionHistory.Select(s => s.SanctionId));
        var lifted = dossier.SanctionHistory[0];
        Assert.Equal(("ban", "s2", "lifted", "gus.gm", "appeal upheld"), (lifted.Kind, lifted.GameServerId, lifted.State, lifted.LiftedBy, lifted.LiftReason));
        Assert.NotNull(lifted.LiftedAt);
        var expired = dossier.SanctionHistory[1];
        Assert.Equal(("mute", "expired", ""), (expired.Kind, expired.State, expired.LiftedBy));

        Assert.Equal([waiting.GrantId.ToString(CultureInfo.InvariantCulture), delivered.GrantId.ToString(CultureInfo.InvariantCulture)], dossier.Grants.Select(g => g.GrantId));
        var pending = dossier.Grants[0];
        Assert.Equal(("pending_approval", "pending", "dora.agent", "T-1"), (pending.State, pending.DeliveryState, pending.GrantedBy, pending.TicketRef));
        Assert.Equal([("gem", 20L)], pending.Items.Select(i => (i.ItemId, i.Count)));
        Assert.Null(pending.DeliveredAt);
        var done = dossier.Grants[1];
        Assert.Equal(("approved", "delivered", "server outage"), (done.State, done.DeliveryState, done.Reason));
        Assert.Equal([("gold", 100L)], done.Items.Select(i => (i.ItemId, i.Count)));
        Assert.NotNull(done.DeliveredAt);
        Assert.NotNull(done.CreatedAt);

        // The recent limit bounds history and grants; what is in force is always shown whole.
        var short_ = await Players("vic.viewer", Role.Viewer).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p001", RecentLimit = 1 });
        Assert.Single(short_.ActiveSanctions);
        Assert.Equal([ban.SanctionId.ToString(CultureInfo.InvariantCulture)], short_.SanctionHistory.Select(s => s.SanctionId));
        Assert.Equal([waiting.GrantId.ToString(CultureInfo.InvariantCulture)], short_.Grants.Select(g => g.GrantId));

        // Staff scoped to the player's server see the s2 ban too; staff scoped elsewhere do not see the player at all.
        var scoped = await Players("sue.s1", Role.Viewer, "s1").GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p001" });
        Assert.Equal(dossier.SanctionHistory.Select(s => s.SanctionId), scoped.SanctionHistory.Select(s => s.SanctionId));
        var hidden = await Assert.ThrowsAsync<RpcException>(async () =>
            await Players("sid.s2", Role.Viewer, "s2").GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p001" }));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task A_player_without_sanctions_or_grants_has_empty_sections()
    {
        var dossier = await Players("vic.viewer", Role.Viewer).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p015" });
        Assert.Equal("p015", dossier.Player.PlayerId);
        Assert.Empty(dossier.ActiveSanctions);
        Assert.Empty(dossier.SanctionHistory);
        Assert.Empty(dossier.Grants);
    }

    private static CreateGrantRequest Grant(string key, string item, long count, params string[] players)
    {
        var r = new CreateGrantRequest { IdempotencyKey = key, Reason = "server outage", TicketRef = "T-1", MailTitle = "Sorry", MailBody = "For the outage" };
        r.Lines.Add(new RewardLine { ItemId = item, Count = count });
        r.PlayerIds.AddRange(players);
        return r;
    }
}
