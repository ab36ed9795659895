using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Sanctions;

public sealed class SanctionIssueTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    [Fact]
    public async Task A_ban_writes_kick_and_ban_notice_for_the_players_game_server_with_its_audit_record()
    {
        await fx.GameServerCredentialAsync("is-a");
        await fx.GameServerCredentialAsync("is-b");
        await fx.AddPlayerAsync("p-ban-1", "is-a");

        var issued = await fx.Staff("gm-ban").IssueSanctionAsync(Ban("p-ban-1", OnServer("is-a")));

        Assert.Equal(["is-a"], issued.NotifiedGameServerIds);
        Assert.Equal([("is-a", "kick"), ("is-a", "ban")], await fx.OutboxAsync(issued.Sanction.SanctionId));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.issue' AND target_id = @id AND player_id = 'p-ban-1' AND ticket_ref = 'T-1'",
            ("id", issued.Sanction.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(1, issued.Sanction.LadderStep);
        Assert.True(issued.Sanction.Active);
    }

    [Fact]
    public async Task An_all_server_ban_reaches_every_registered_game_server()
    {
        await fx.GameServerCredentialAsync("is-a");
        await fx.GameServerCredentialAsync("is-b");
        await fx.GameServerCredentialAsync("is-c");
        await fx.AddPlayerAsync("p-ban-all", "is-b");
        var servers = (await new GameServerService.GameServerServiceClient(fx.StaffChannel("adm", Role.Admin)).ListGameServersAsync(new ListGameServersRequest()))
            .GameServers.Select(g => g.GameServerId).Order(StringComparer.Ordinal).ToList();

        var issued = await fx.Staff("gm-all").IssueSanctionAsync(Ban("p-ban-all", AllServers));

        Assert.Equal(servers, issued.NotifiedGameServerIds);
        var rows = await fx.OutboxAsync(issued.Sanction.SanctionId);
        Assert.Equal(servers.SelectMany(s => new[] { (s, "kick"), (s, "ban") }).Order().ToList(), rows.Order().ToList());
    }

    [Fact]
    public async Task A_mute_blocks_chat_until_its_end_and_then_expires_by_the_clock_alone()
    {
        var gameServer = await fx.GameServerAsync("is-m");
        await fx.AddPlayerAsync("p-mute-1", "is-m");
        var end = fx.Clock.GetUtcNow().AddMinutes(30);

        var issued = await fx.Staff("gm-mute").IssueSanctionAsync(Mute("p-mute-1", "is-m"));
        await fx.Staff("gm-mute").ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = issued.Sanction.SanctionId, End = At(end), Reason = "shorter" });
        Assert.Equal(["mute"], (await fx.OutboxAsync(issued.Sanction.SanctionId)).Select(r => r.Kind).Distinct());

        var check = await gameServer.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-mute-1", GameServerId = "is-m" });
        Assert.True(check.MayLogIn);
        Assert.False(check.MayChat);
        Assert.Equal(Timestamp.FromDateTimeOffset(end), check.ChatBlockedUntil);

        fx.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.False((await gameServer.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-mute-1", GameServerId = "is-m" })).MayChat);
        fx.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1));
        var after = await gameServer.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-mute-1", GameServerId = "is-m" });
        Assert.True(after.MayChat);
        Assert.Null(after.ChatBlockedUntil);
    }

    [Fact]
    public async Task A_one_server_ban_blocks_login_there_only_and_a_game_server_may_ask_only_for_itself()
    {
        var gsA = await fx.GameServerAsync("is-x");
        var gsB = await fx.GameServerAsync("is-y");
        await fx.AddPlayerAsync("p-ban-x", "is-x");
        await fx.Staff("gm-x").IssueSanctionAsync(Ban("p-ban-x", OnServer("is-x")).With(r => { r.End = new SanctionEnd { Permanent = true }; r.OverrideReason = "repeat offender"; }));

        var onA = await gsA.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-ban-x", GameServerId = "is-x" });
        Assert.False(onA.MayLogIn);
        Assert.True(onA.LoginBlockedPermanently);
        Assert.False(onA.MayChat);
        Assert.True((await gsB.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-ban-x", GameServerId = "is-y" })).MayLogIn);
        await RefusedAsync(async () => await gsB.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-ban-x", GameServerId = "is-x" }), StatusCode.PermissionDenied);
        await RefusedAsync(async () => await fx.Staff("gm-x").CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-ban-x", GameServerId = "is-x" }), StatusCode.PermissionDenied);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_writes_nothing()
    {
        await fx.GameServerCredentialAsync("is-v");
        await fx.AddPlayerAsync("p-bad", "is-v");
        var gm = fx.Staff("gm-bad");
        var before = await fx.CountsAsync();

        await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-nobody", "is-v")), StatusCode.NotFound);

        var past = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v").With(r => { r.End = At(fx.Clock.GetUtcNow().AddMinutes(-1)); })), StatusCode.InvalidArgument);
        Assert.Equal(["end.ends_at"], past.Fields());

        var empty = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v").With(r => { r.Reason = "  "; })), StatusCode.InvalidArgument);
        Assert.Equal(["reason"], empty.Fields());

        var tooLong = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v", TimeSpan.FromDays(31))), StatusCode.InvalidArgument);
        Assert.Equal(["end.duration"], tooLong.Fields());

        var code = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v").With(r => { r.ReasonCode = "looked_at_me"; })), StatusCode.InvalidArgument);
        Assert.Equal(["reason_code"], code.Fields());

        var kick = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v").With(r => { r.Kind = SanctionKind.Kick; })), StatusCode.InvalidArgument);
        Assert.Equal(["end"], kick.Fields());

        var noScope = await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute("p-bad", "is-v").With(r => { r.Scope = null; })), StatusCode.InvalidArgument);
        Assert.Equal(["scope"], noScope.Fields());

        // A GM scoped to another game server does not learn that the player exists.
        await RefusedAsync(async () => await fx.ScopedStaff("gm-elsewhere", ["is-other"]).IssueSanctionAsync(Mute("p-bad", "is-v")), StatusCode.NotFound);

        Assert.Equal(before, await fx.CountsAsync());
    }

    [Fact]
    public async Task A_kick_is_one_off_it_sends_only_the_kick_and_blocks_nothing()
    {
        var gs = await fx.GameServerAsync("is-k");
        await fx.AddPlayerAsync("p-kick", "is-k");
        var issued = await fx.Staff("gm-kick").IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = "p-kick", Kind = SanctionKind.Kick, Scope = OnServer("is-k"), ReasonCode = "other", Reason = "stuck in a wall",
        });
        Assert.Equal([("is-k", "kick")], await fx.OutboxAsync(issued.Sanction.SanctionId));
        Assert.False(issued.Sanction.Active);
        Assert.True((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-kick", GameServerId = "is-k" })).MayLogIn);
    }

    [Fact]
    public async Task A_lift_keeps_history_sends_the_unmute_and_allows_chat_at_once()
    {
        var gs = await fx.GameServerAsync("is-l");
        await fx.AddPlayerAsync("p-lift", "is-l");
        var gm = fx.Staff("gm-lift");
        var issued = await gm.IssueSanctionAsync(Mute("p-lift", "is-l", TimeSpan.FromDays(1)));
        Assert.False((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-lift", GameServerId = "is-l" })).MayChat);

        await RefusedAsync(async () => await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = issued.Sanction.SanctionId }), StatusCode.InvalidArgument);
        var lifted = await fx.Staff("gm-other").LiftSanctionAsync(new LiftSanctionRequest { SanctionId = issued.Sanction.SanctionId, Reason = "wrong player", Wrongful = true });

        Assert.Equal("gm-other", lifted.Sanction.LiftedBy);
        Assert.Equal([("is-l", "mute"), ("is-l", "unmute")], await fx.OutboxAsync(issued.Sanction.SanctionId));
        Assert.True((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-lift", GameServerId = "is-l" })).MayChat);
        await RefusedAsync(async () => await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = issued.Sanction.SanctionId, Reason = "again" }), StatusCode.FailedPrecondition);

        var active = await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = "p-lift" });
        Assert.Empty(active.Sanctions);
        var history = await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = "p-lift", IncludeHistory = true });
        var only = Assert.Single(history.Sanctions);
        Assert.Equal("wrong player", only.LiftReason);
        Assert.True(only.LiftedAsWrongful);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.lift' AND player_id = 'p-lift' AND reason = 'wrong player'"));
    }

    [Fact]
    public async Task The_offense_ladder_proposes_from_history_and_an_override_needs_a_reason()
    {
        await fx.GameServerCredentialAsync("is-o");
        await fx.AddPlayerAsync("p-ladder", "is-o");
        var gm = fx.Staff("gm-ladder");
        var plain = new IssueSanctionRequest { PlayerId = "p-ladder", Kind = SanctionKind.Mute, Scope = OnServer("is-o"), ReasonCode = "chat_abuse", Reason = "insults" };

        var proposal = await gm.ProposeSanctionAsync(new ProposeSanctionRequest { PlayerId = "p-ladder", Kind = SanctionKind.Mute, ReasonCode = "chat_abuse" });
        Assert.Equal((1, 3, 0, TimeSpan.FromHours(1)), (proposal.Step, proposal.Steps, proposal.PriorOffenses, proposal.Duration.ToTimeSpan()));

        var first = await gm.IssueSanctionAsync(plain);
        Assert.Equal(fx.Clock.GetUtcNow().AddHours(1), first.Sanction.EndsAt.ToDateTimeOffset());
        Assert.Equal(1, first.Sanction.LadderStep);

        // A first offense that was a mistake does not count.
        var wrong = await gm.IssueSanctionAsync(plain);
        await fx.Staff("gm-ladder-2").LiftSanctionAsync(new LiftSanctionRequest { SanctionId = wrong.Sanction.SanctionId, Reason = "mistake", Wrongful = true });
        Assert.Equal(2, wrong.Sanction.LadderStep);
        var second = await gm.ProposeSanctionAsync(new ProposeSanctionRequest { PlayerId = "p-ladder", Kind = SanctionKind.Mute, ReasonCode = "chat_abuse" });
        Assert.Equal((2, TimeSpan.FromDays(1)), (second.Step, second.Duration.ToTimeSpan()));

        var noReason = await RefusedAsync(async () => await gm.IssueSanctionAsync(plain.With(r => r.End = For(TimeSpan.FromHours(2)))), StatusCode.InvalidArgument);
        Assert.Equal(["override_reason"], noReason.Fields());
        var overridden = plain.Clone();
        overridden.End = For(TimeSpan.FromHours(2));
        overridden.OverrideReason = "calmed down quickly";
        var third = await gm.IssueSanctionAsync(overridden);
        Assert.Equal("calmed down quickly", third.Sanction.OverrideReason);
        Assert.Equal(2, third.Sanction.LadderStep);
    }

    [Fact]
    public async Task Changing_the_end_is_audited_and_bounded_and_scoped_staff_cannot_see_the_history()
    {
        await fx.GameServerCredentialAsync("is-e");
        await fx.AddPlayerAsync("p-end", "is-e");
        var gm = fx.Staff("gm-end");
        var issued = await gm.IssueSanctionAsync(Mute("p-end", "is-e", TimeSpan.FromHours(2)));
        var id = issued.Sanction.SanctionId;

        var before = await fx.CountsAsync();
        var tooLong = await RefusedAsync(async () => await gm.ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = id, End = For(TimeSpan.FromDays(60)), Reason = "longer" }), StatusCode.InvalidArgument);
        Assert.Equal(["end.duration"], tooLong.Fields());
        var noReason = await RefusedAsync(async () => await gm.ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = id, End = For(TimeSpan.FromDays(1)) }), StatusCode.InvalidArgument);
        Assert.Equal(["reason"], noReason.Fields());
        await RefusedAsync(async () => await fx.ScopedStaff("gm-far", ["is-other"]).ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = id, End = For(TimeSpan.FromDays(1)), Reason = "x" }), StatusCode.NotFound);
        await RefusedAsync(async () => await fx.ScopedStaff("gm-far", ["is-other"]).ListSanctionsAsync(new ListSanctionsRequest { PlayerId = "p-end", IncludeHistory = true }), StatusCode.NotFound);
        Assert.Equal(before, await fx.CountsAsync());

        var changed = await gm.ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = id, End = For(TimeSpan.FromDays(1)), Reason = "kept insulting in whispers", TicketRef = "T-7" });
        Assert.Equal(fx.Clock.GetUtcNow().AddDays(1), changed.Sanction.EndsAt.ToDateTimeOffset());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.change_end' AND player_id = 'p-end' AND ticket_ref = 'T-7'"));
        Assert.Equal([("is-e", "mute"), ("is-e", "mute")], await fx.OutboxAsync(id));
        Assert.Single((await fx.ScopedStaff("gm-near", ["is-e"]).ListSanctionsAsync(new ListSanctionsRequest { PlayerId = "p-end" })).Sanctions);

        fx.Clock.Advance(TimeSpan.FromDays(1));
        await RefusedAsync(async () => await fx.Staff("gm-end").ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = id, End = For(TimeSpan.FromDays(1)), Reason = "too late" }), StatusCode.FailedPrecondition);
    }
}
