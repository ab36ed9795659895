using GmTools.Contracts.V1;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Idempotency;

/// <summary>The RPCs that take an idempotency key, retried through real gRPC as a client would after a timeout.</summary>
public sealed class IdempotentRpcTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    [Fact]
    public async Task A_retried_mute_makes_one_sanction_and_one_command_and_other_content_under_the_key_is_refused()
    {
        await fx.GameServerCredentialAsync("ik-a");
        await fx.AddPlayerAsync("p-ik-1", "ik-a");
        var gm = fx.Staff("gm-ik");
        // chat_abuse has a mute ladder: without the key, the retry would be step 2 (one day instead of one hour).
        var mute = Mute("p-ik-1", "ik-a").With(r => { r.IdempotencyKey = "mute-p-ik-1"; r.OverrideReason = ""; r.End = null; });

        var first = await gm.IssueSanctionAsync(mute);
        fx.Clock.Advance(TimeSpan.FromSeconds(30)); // the client timed out and tries again
        var retry = await gm.IssueSanctionAsync(mute);

        Assert.Equal(first.ToByteArray(), retry.ToByteArray());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-ik-1'"));
        Assert.Equal([("ik-a", "mute")], await fx.OutboxAsync(first.Sanction.SanctionId));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.issue' AND player_id = 'p-ik-1'"));

        var before = await fx.CountsAsync();
        var other = mute.With(r => r.Reason = "something else");
        await RefusedAsync(() => gm.IssueSanctionAsync(other).ResponseAsync, StatusCode.AlreadyExists);
        Assert.Equal(before, await fx.CountsAsync());

        Assert.Equal(1, first.Sanction.LadderStep);
        // Without a key a retry is a new request: the ladder moves on (the behaviour keys exist to prevent).
        var unkeyed = await gm.IssueSanctionAsync(mute.With(r => r.IdempotencyKey = ""));
        Assert.Equal(2, unkeyed.Sanction.LadderStep);
    }

    [Fact]
    public async Task Concurrent_retries_on_two_replicas_make_one_ban()
    {
        await fx.GameServerCredentialAsync("ik-b");
        await fx.AddPlayerAsync("p-ik-2", "ik-b");
        var second = fx.AddReplica();
        var token = fx.Token("gm-ik2", Role.Gm);
        var clients = new[] { new SanctionService.SanctionServiceClient(fx.Server.Channel(token)), new SanctionService.SanctionServiceClient(second.Channel(token)) };
        var ban = Ban("p-ik-2", OnServer("ik-b")).With(r => r.IdempotencyKey = "ban-p-ik-2");
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => clients[i % 2].IssueSanctionAsync(ban).ResponseAsync));
        Assert.Single(answers.Select(a => a.ToByteString()).Distinct());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-ik-2'"));
        Assert.Equal([("ik-b", "kick"), ("ik-b", "ban")], await fx.OutboxAsync(answers[0].Sanction.SanctionId));
    }

    [Fact]
    public async Task A_retried_lift_and_a_retried_bulk_execution_return_their_first_answer_instead_of_failing()
    {
        await fx.GameServerCredentialAsync("ik-c");
        await fx.AddPlayerAsync("p-ik-3", "ik-c");
        await fx.AddPlayerAsync("p-ik-4", "ik-c");
        var gm = fx.Staff("gm-ik3");
        var issued = await gm.IssueSanctionAsync(Mute("p-ik-3", "ik-c"));
        var lift = new LiftSanctionRequest { SanctionId = issued.Sanction.SanctionId, Reason = "wrong player", Wrongful = true, IdempotencyKey = "lift-1" };
        var lifted = await gm.LiftSanctionAsync(lift);
        var again = await gm.LiftSanctionAsync(lift);
        Assert.Equal(lifted.ToByteArray(), again.ToByteArray());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.lift' AND target_id = @id", ("id", issued.Sanction.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await RefusedAsync(() => gm.LiftSanctionAsync(lift.With(l => l.IdempotencyKey = "")).ResponseAsync, StatusCode.FailedPrecondition);

        var content = new PreviewBulkSanctionRequest
        {
            PlayerIds = { "p-ik-4" }, Kind = SanctionKind.Mute, Scope = OnServer("ik-c"), End = For(TimeSpan.FromHours(2)),
            ReasonCode = "gold_selling", Reason = "wave", TicketRef = "T-IK",
        };
        var preview = await gm.PreviewBulkSanctionAsync(content);
        var execute = new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = content, IdempotencyKey = "bulk-1" };
        var executed = await gm.ExecuteBulkSanctionAsync(execute);
        var replayed = await gm.ExecuteBulkSanctionAsync(execute);
        Assert.Equal(executed.ToByteArray(), replayed.ToByteArray());
        Assert.Equal(BulkOutcome.Sanctioned, executed.Results.Single().Outcome);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-ik-4'"));
    }

    [Fact]
    public async Task A_retried_note_and_a_retried_campaign_are_written_once()
    {
        await fx.GameServerCredentialAsync("ik-d");
        await fx.AddPlayerAsync("p-ik-5", "ik-d");
        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("agent-ik", Role.Agent));
        var note = new AddPlayerNoteRequest { PlayerId = "p-ik-5", Kind = PlayerNoteKind.Other, Text = "called back", IdempotencyKey = "note-1" };
        var first = await players.AddPlayerNoteAsync(note);
        var retry = await players.AddPlayerNoteAsync(note);
        Assert.Equal(first.ToByteArray(), retry.ToByteArray());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM player_notes WHERE player_id = 'p-ik-5'"));
        await RefusedAsync(() => players.AddPlayerNoteAsync(note.With(n => n.Text = "other")).ResponseAsync, StatusCode.AlreadyExists);
        var bad = await RefusedAsync(() => players.AddPlayerNoteAsync(note.With(n => n.IdempotencyKey = new string('k', 129))).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["idempotency_key"], bad.Fields());

        await new RewardService.RewardServiceClient(fx.StaffChannel("ada-ik", Role.Admin)).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "ik-gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true }, Reason = "setup",
        });
        var rewards = new RewardService.RewardServiceClient(fx.StaffChannel("sup-ik", Role.Supervisor));
        var campaign = new CreateCampaignRequest
        {
            Reason = "outage", MailTitle = "Sorry", Lines = { new RewardLine { ItemId = "ik-gold", Count = 10 } },
            GameServers = new GameServersTarget { GameServerIds = { "ik-d" } }, IdempotencyKey = "campaign-1",
        };
        var created = await rewards.CreateCampaignAsync(campaign);
        var recreated = await rewards.CreateCampaignAsync(campaign);
        Assert.Equal(created.ToByteArray(), recreated.ToByteArray());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM campaigns WHERE creator = 'sup-ik'"));
    }
}
