using System.Globalization;
using GmTools.Contracts.V1;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

public sealed class GrantTests(RewardsFixture fx) : IClassFixture<RewardsFixture>
{
    private static CreateGrantRequest Request(string key, long gold, params string[] players)
    {
        var r = new CreateGrantRequest { IdempotencyKey = key, Reason = "server outage", TicketRef = "T-1", MailTitle = "Sorry", MailBody = "For the outage" };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = gold });
        r.PlayerIds.AddRange(players);
        return r;
    }

    [Fact]
    public async Task A_replayed_request_returns_the_first_grant_and_writes_nothing_more()
    {
        var agent = fx.Rewards("replay-agent", Role.Agent);
        var first = await agent.CreateGrantAsync(Request("k-replay", 100, "p001", "p002"));
        Assert.False(first.Replayed);
        Assert.Equal(GrantState.Approved, first.Grant.State);
        Assert.Equal(200, first.Grant.TotalValue);

        // Same content, players and lines in another order: still the same request.
        var again = Request("k-replay", 100, "p002", "p001");
        var second = await agent.CreateGrantAsync(again);
        Assert.True(second.Replayed);
        Assert.Equal(first.Grant.GrantId, second.Grant.GrantId);
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM grants WHERE idempotency_key = 'k-replay'"));
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"grant:{first.Grant.GrantId}:%")));
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM audit_records WHERE action = 'grant.create' AND target_id = @id", ("id", first.Grant.GrantId.ToString(CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Reusing_a_key_for_different_content_is_refused_with_already_exists()
    {
        var agent = fx.Rewards("conflict-agent", Role.Agent);
        await agent.CreateGrantAsync(Request("k-conflict", 100, "p001"));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await agent.CreateGrantAsync(Request("k-conflict", 101, "p001")));
        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM grants WHERE idempotency_key = 'k-conflict'"));

        // The key belongs to its requester: another agent may use the same key for their own grant.
        var other = await fx.Rewards("conflict-agent-2", Role.Agent).CreateGrantAsync(Request("k-conflict", 101, "p001"));
        Assert.False(other.Replayed);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_make_one_grant()
    {
        var agent = fx.Rewards("race-agent", Role.Agent);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => agent.CreateGrantAsync(Request("k-race", 50, "p003", "p004")).ResponseAsync));
        Assert.Single(results.Select(r => r.Grant.GrantId).Distinct());
        Assert.Single(results, r => !r.Replayed);
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM grants WHERE idempotency_key = 'k-race'"));
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"grant:{results[0].Grant.GrantId}:%")));
    }

    [Fact]
    public async Task An_over_limit_grant_waits_for_another_supervisor_and_is_delivered_after_the_ack()
    {
        var agent = fx.Rewards("big-agent", Role.Agent);
        var created = await agent.CreateGrantAsync(Request("k-big", 600, "p005", "p011")); // 1,200 > 1,000 per grant
        var grant = created.Grant;
        Assert.Equal(GrantState.PendingApproval, grant.State);
        Assert.Equal("over the per-grant limit", grant.ApprovalReason);
        Assert.Equal(0, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"grant:{grant.GrantId}:%")));
        Assert.All(grant.Recipients, r => Assert.Equal(DeliveryState.Pending, r.DeliveryState));

        // A supervisor who asked for a grant may not approve it: four eyes.
        var sam = fx.Rewards("sam", Role.Supervisor);
        var own = await sam.CreateGrantAsync(Request("k-sam", 200_000, "p006"));
        Assert.Equal(GrantState.PendingApproval, own.Grant.State);
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await sam.ApproveGrantAsync(new ApproveGrantRequest { GrantId = own.Grant.GrantId, Reason = "mine" }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        // An agent cannot approve at all.
        var agentDenied = await Assert.ThrowsAsync<RpcException>(async () => await agent.ApproveGrantAsync(new ApproveGrantRequest { GrantId = grant.GrantId }));
        Assert.Equal(StatusCode.PermissionDenied, agentDenied.StatusCode);

        var approved = await sam.ApproveGrantAsync(new ApproveGrantRequest { GrantId = grant.GrantId, Reason = "checked the ticket" });
        Assert.Equal(GrantState.Approved, approved.Grant.State);
        Assert.Equal("sam", approved.Grant.DecidedBy);
        var servers = await fx.CountAsync(
            "SELECT count(DISTINCT game_server_id) FROM gamelink_outbox WHERE kind = 'mail_reward' AND correlation_id LIKE @p", ("p", $"grant:{grant.GrantId}:%"));
        Assert.Equal(2, servers); // one command per player, each to that player's game server
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM audit_records WHERE action = 'grant.approve' AND actor = 'sam'"));
        var twice = await Assert.ThrowsAsync<RpcException>(async () => await fx.Rewards("sue", Role.Supervisor).ApproveGrantAsync(new ApproveGrantRequest { GrantId = grant.GrantId }));
        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);

        await fx.AckAsync($"grant:{grant.GrantId}:p005");
        await fx.AckAsync($"grant:{grant.GrantId}:p011", "failed", "mailbox full");
        var read = (await agent.GetGrantAsync(new GetGrantRequest { GrantId = grant.GrantId })).Grant;
        Assert.Equal(DeliveryState.Delivered, read.Recipients.Single(r => r.PlayerId == "p005").DeliveryState);
        var failed = read.Recipients.Single(r => r.PlayerId == "p011");
        Assert.Equal(DeliveryState.Failed, failed.DeliveryState);
        Assert.Equal("mailbox full", failed.FailureReason);

        var mine = await agent.ListGrantsAsync(new ListGrantsRequest { Requester = "big-agent" });
        Assert.Equal([grant.GrantId], mine.Grants.Select(g => g.GrantId));
        var pending = await sam.ListGrantsAsync(new ListGrantsRequest { State = GrantState.PendingApproval });
        Assert.Contains(pending.Grants, g => g.GrantId == own.Grant.GrantId);
        Assert.DoesNotContain(pending.Grants, g => g.GrantId == grant.GrantId);
    }

    [Fact]
    public async Task The_per_day_limit_sums_the_requesters_grants_of_the_utc_day()
    {
        var agent = fx.Rewards("daily-agent", Role.Agent);
        for (var i = 0; i < 3; i++)
        {
            var ok = await agent.CreateGrantAsync(Request($"k-day-{i}", 1000, "p007"));
            Assert.Equal(GrantState.Approved, ok.Grant.State);
        }
        var fourth = await agent.CreateGrantAsync(Request("k-day-3", 1, "p007"));
        Assert.Equal(GrantState.PendingApproval, fourth.Grant.State);
        Assert.Equal("over the per-day limit", fourth.Grant.ApprovalReason);
        var rejected = await fx.Rewards("sue", Role.Supervisor).RejectGrantAsync(new RejectGrantRequest { GrantId = fourth.Grant.GrantId, Reason = "enough for today" });
        Assert.Equal(GrantState.Rejected, rejected.Grant.State);
        Assert.Equal(DeliveryState.Cancelled, rejected.Grant.Recipients.Single().DeliveryState);
        var byPlayer = await agent.ListGrantsAsync(new ListGrantsRequest { PlayerId = "p007", PageSize = 2 });
        Assert.Equal(2, byPlayer.Grants.Count);
        var rest = await agent.ListGrantsAsync(new ListGrantsRequest { PlayerId = "p007", PageSize = 2, PageToken = byPlayer.NextPageToken });
        Assert.Equal(4, byPlayer.Grants.Concat(rest.Grants).Select(g => g.GrantId).Distinct().Count());
    }

    [Fact]
    public async Task Revoking_cancels_unsent_mail_claws_back_applied_mail_and_lets_the_game_server_decide_sent_mail()
    {
        var agent = fx.Rewards("revoke-agent", Role.Agent);
        var sue = fx.Rewards("sue", Role.Supervisor);

        // Never sent: cancelled, and a pull afterwards does not hand it out.
        var unsent = (await agent.CreateGrantAsync(Request("k-rev-0", 10, "p002"))).Grant;
        var cancelled = (await sue.RevokeGrantAsync(new RevokeGrantRequest { GrantId = unsent.GrantId, Reason = "typo" })).Grant;
        Assert.Equal(DeliveryState.Cancelled, cancelled.Recipients.Single().DeliveryState);
        var (unsentId, _) = await fx.CommandAsync($"grant:{unsent.GrantId}:p002");
        var pulled = await fx.GameLink("s1").PullCommandsAsync(new PullCommandsRequest { GameServerId = "s1", MaxCommands = 1000 });
        Assert.DoesNotContain(pulled.Commands, c => c.CommandId == unsentId);

        var early = (await agent.CreateGrantAsync(Request("k-rev-1", 10, "p008", "p009"))).Grant;
        // s1 pulls both mails and acknowledges p009's before the revoke; p008's is sent but not answered.
        Assert.Equal(1, await fx.AckAsync($"grant:{early.GrantId}:p009"));
        var revoked = (await sue.RevokeGrantAsync(new RevokeGrantRequest { GrantId = early.GrantId, Reason = "wrong player", TicketRef = "T-2" })).Grant;
        Assert.Equal(GrantState.Revoked, revoked.State);
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single(r => r.PlayerId == "p008").DeliveryState);
        Assert.Equal(DeliveryState.ClawBackPending, revoked.Recipients.Single(r => r.PlayerId == "p009").DeliveryState);
        Assert.Null(await Outcome($"grant:{early.GrantId}:p008"));
        Assert.Equal(0, await ClawBacks(early.GrantId, "p008"));

        // The game server's late "applied" is recorded and queues the claw-back by itself; a replay changes nothing.
        Assert.Equal(1, await fx.AckAsync($"grant:{early.GrantId}:p008"));
        Assert.Equal("applied", await Outcome($"grant:{early.GrantId}:p008"));
        Assert.Equal(1, await ClawBacks(early.GrantId, "p008"));
        Assert.Equal(0, await fx.AckAsync($"grant:{early.GrantId}:p008"));
        Assert.Equal(1, await ClawBacks(early.GrantId, "p008"));
        var afterAck = (await agent.GetGrantAsync(new GetGrantRequest { GrantId = early.GrantId })).Grant;
        Assert.All(afterAck.Recipients, r => Assert.Equal(DeliveryState.ClawBackPending, r.DeliveryState));

        var late = (await agent.CreateGrantAsync(Request("k-rev-2", 10, "p010"))).Grant;
        await fx.AckAsync($"grant:{late.GrantId}:p010");
        var clawed = (await sue.RevokeGrantAsync(new RevokeGrantRequest { GrantId = late.GrantId, Reason = "duplicate compensation" })).Grant;
        Assert.Equal(DeliveryState.ClawBackPending, clawed.Recipients.Single().DeliveryState);
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back' AND game_server_id = 's1' AND correlation_id = @c", ("c", $"grant:{late.GrantId}:p010:clawback")));
        await fx.AckAsync($"grant:{late.GrantId}:p010:clawback");
        var after = (await agent.GetGrantAsync(new GetGrantRequest { GrantId = late.GrantId })).Grant;
        Assert.Equal(DeliveryState.ClawedBack, after.Recipients.Single().DeliveryState);
        Assert.Equal(3, await fx.CountAsync("SELECT count(*) FROM audit_records WHERE action = 'grant.revoke' AND actor = 'sue'"));

        var again = await Assert.ThrowsAsync<RpcException>(async () => await sue.RevokeGrantAsync(new RevokeGrantRequest { GrantId = late.GrantId, Reason = "again" }));
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task A_sent_mail_the_game_server_could_not_apply_ends_cancelled_after_a_revoke()
    {
        var agent = fx.Rewards("revoke-fail-agent", Role.Agent);
        var grant = (await agent.CreateGrantAsync(Request("k-rev-fail", 10, "p012"))).Grant;
        var (id, gs) = await fx.CommandAsync($"grant:{grant.GrantId}:p012");
        await fx.GameLink(gs).PullCommandsAsync(new PullCommandsRequest { GameServerId = gs, MaxCommands = 1000 });
        var revoked = (await fx.Rewards("sid", Role.Supervisor).RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "not needed" })).Grant;
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single().DeliveryState);
        var ack = new AckCommandsRequest { GameServerId = gs };
        ack.Acks.Add(new CommandAck { CommandId = id, Success = false, FailureReason = "mailbox full" });
        Assert.Equal(1, (await fx.GameLink(gs).AckCommandsAsync(ack)).Settled);
        var read = (await agent.GetGrantAsync(new GetGrantRequest { GrantId = grant.GrantId })).Grant;
        Assert.Equal(DeliveryState.Cancelled, read.Recipients.Single().DeliveryState);
        Assert.Equal(0, await ClawBacks(grant.GrantId, "p012"));
    }

    private Task<long> ClawBacks(long grantId, string player) =>
        fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back' AND correlation_id = @c", ("c", $"grant:{grantId}:{player}:clawback"));

    [Theory]
    [InlineData("zero-count", StatusCode.InvalidArgument)]
    [InlineData("negative-count", StatusCode.InvalidArgument)]
    [InlineData("no-players", StatusCode.InvalidArgument)]
    [InlineData("too-many-players", StatusCode.InvalidArgument)]
    [InlineData("no-key", StatusCode.InvalidArgument)]
    [InlineData("no-reason", StatusCode.InvalidArgument)]
    [InlineData("unknown-item", StatusCode.NotFound)]
    [InlineData("inactive-item", StatusCode.FailedPrecondition)]
    [InlineData("unknown-player", StatusCode.NotFound)]
    [InlineData("out-of-scope-player", StatusCode.NotFound)]
    public async Task Bad_input_is_refused_and_writes_nothing(string kind, StatusCode expected)
    {
        var key = "k-bad-" + kind;
        var request = Request(key, 5, "p001");
        var client = fx.Rewards("bad-agent", Role.Agent);
        switch (kind)
        {
            case "zero-count": request.Lines[0].Count = 0; break;
            case "negative-count": request.Lines[0].Count = -3; break;
            case "no-players": request.PlayerIds.Clear(); break;
            case "too-many-players": request.PlayerIds.AddRange(["p002", "p003", "p004", "p005", "p006"]); break;
            case "no-key": request.IdempotencyKey = ""; break;
            case "no-reason": request.Reason = ""; break;
            case "unknown-item": request.Lines.Add(new RewardLine { ItemId = "diamond", Count = 1 }); break;
            case "inactive-item": request.Lines[0].ItemId = "old-sword"; break;
            case "unknown-player": request.PlayerIds.Add("nobody"); break;
            case "out-of-scope-player": client = fx.ScopedRewards("bad-agent", ["s2"], Role.Agent); break;
        }
        var before = await Totals();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.CreateGrantAsync(request));
        Assert.Equal(expected, ex.StatusCode);
        Assert.Equal(before, await Totals());
    }

    [Fact]
    public async Task The_catalogue_is_kept_by_admins_and_read_by_staff()
    {
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await fx.Rewards("amy", Role.Supervisor).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "x", Name = "x", Kind = ItemKind.Item, UnitValue = 1, Active = true },
            Reason = "try",
        }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var active = await fx.Rewards("vic", Role.Viewer).ListCatalogueItemsAsync(new ListCatalogueItemsRequest());
        Assert.Equal(["gem", "gold"], active.Items.Select(i => i.ItemId));
        var all = await fx.Rewards("vic", Role.Viewer).ListCatalogueItemsAsync(new ListCatalogueItemsRequest { IncludeInactive = true });
        Assert.Contains(all.Items, i => i.ItemId == "old-sword" && !i.Active);
    }

    private async Task<string?> Outcome(string correlationId)
    {
        await using var conn = new Npgsql.NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT outcome FROM gamelink_outbox WHERE correlation_id = @c", conn);
        cmd.Parameters.AddWithValue("c", correlationId);
        return await cmd.ExecuteScalarAsync() as string;
    }

    private async Task<(long Grants, long Outbox, long Audit)> Totals() => (
        await fx.CountAsync("SELECT count(*) FROM grants"),
        await fx.CountAsync("SELECT count(*) FROM gamelink_outbox"),
        await fx.CountAsync("SELECT count(*) FROM audit_records"));
}
