using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Rewards;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>
/// The first replica runs no scheduler (it seeds and answers reads); the expansion runs on replicas made
/// in the test, so the test decides which replica holds the job.
/// </summary>
public sealed class NoSchedulerRewardsFixture : RewardsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["GmTools:Quartz:Enabled"] = "false" };
}

public sealed class CampaignExpansionTests(NoSchedulerRewardsFixture fx) : IClassFixture<NoSchedulerRewardsFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_interrupted_expansion_resumes_on_another_replica_and_reaches_every_player_exactly_once()
    {
        // 3,000 players over two game servers (plus 20 from the fixture), ids interleaved across servers.
        await fx.InsertPlayersAsync(Enumerable.Range(0, 3000).Select(i => ($"c{i:D5}", i % 3 == 0 ? "s2" : "s1")));
        var creator = fx.Rewards("carl", Role.Supervisor);
        var created = await creator.CreateCampaignAsync(Campaign(new GameServersTarget { GameServerIds = { "s1", "s2" } }));
        var id = created.Campaign.CampaignId;
        await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id });
        // Other tests of this class add a few players too: count what is there now.
        var onS1 = await fx.CountAsync("SELECT count(*) FROM players WHERE game_server_id = 's1'");
        var onS2 = await fx.CountAsync("SELECT count(*) FROM players WHERE game_server_id = 's2'");
        var total = onS1 + onS2;
        Assert.InRange(total, 3020, 3030);
        var preview = await creator.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id });
        Assert.Equal(total, preview.TotalRecipients);
        Assert.Equal(total * 150, preview.TotalValue); // 50 gold + 1 gem = 150 per player
        Assert.Equal([("s1", onS1), ("s2", onS2)], preview.PerServer.Select(p => (p.GameServerId, p.Recipients)));

        var denied = await Assert.ThrowsAsync<RpcException>(async () => await creator.ApproveCampaignAsync(new ApproveCampaignRequest { CampaignId = id }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        // Replica A dies (plays dead) after 4 chunks of 200.
        var a = fx.AddReplica(new Dictionary<string, string?> { ["GmTools:Quartz:Enabled"] = "true", ["GmTools:Rewards:Campaigns:StopAfterChunks"] = "4" });
        var approver = new RewardService.RewardServiceClient(a.Channel(a.StaffToken("sue", Role.Supervisor)));
        var approved = await approver.ApproveCampaignAsync(new ApproveCampaignRequest { CampaignId = id, Reason = "incident 42" });
        Assert.Equal(CampaignState.Expanding, approved.Campaign.State);
        var counterA = a.Services.GetRequiredService<CampaignExpansionCounter>();
        try
        {
            await WaitUntil(() => Task.FromResult(counterA.Chunks >= 4), "replica A to write 4 chunks");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(await Dump("SELECT trigger_name || ' ' || trigger_state || ' ' || coalesce(next_fire_time::text, '-') || ' now ' || (extract(epoch from clock_timestamp())*1000)::bigint::text FROM qrtz_triggers")
                + " | " + await Dump("SELECT instance_name || ' ' || last_checkin_time::text FROM qrtz_scheduler_state")
                + " | " + await Dump("SELECT trigger_name || ' ' || state || ' ' || instance_name FROM qrtz_fired_triggers")
                + " | chunks " + counterA.Chunks);
        }
        await a.DisposeAsync();
        var afterA = (await creator.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign;
        Assert.Equal(CampaignState.Expanding, afterA.State);
        Assert.Equal(800, afterA.Expanded);
        Assert.Equal(800, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id", ("id", id)));

        // Replica B on the same database picks the job up from the shared job store and carries on.
        var b = fx.AddReplica(new Dictionary<string, string?> { ["GmTools:Quartz:Enabled"] = "true" });
        _ = b.Server;
        // The trigger repeats on Quartz's own clock; business time (the fake clock) moves along for good measure.
        await WaitUntil(async () =>
        {
            fx.Clock.Advance(TimeSpan.FromSeconds(1));
            return (await creator.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign.State == CampaignState.Expanded;
        }, "the campaign to be expanded on replica B");
        var counterB = b.Services.GetRequiredService<CampaignExpansionCounter>();
        // Resumed, not restarted: B wrote only the rest, in chunks of 200 (the last one short, maybe empty).
        Assert.Equal(((total - 800) / 200) + 1, counterB.Chunks);

        var done = (await creator.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign;
        Assert.Equal(total, done.Expanded);
        Assert.Equal(total, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id", ("id", id)));
        Assert.Equal(total, await fx.CountAsync("SELECT count(DISTINCT correlation_id) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"campaign:{id}:%")));
        Assert.Equal(total, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'mail_reward' AND correlation_id LIKE @p", ("p", $"campaign:{id}:%")));
        Assert.Equal(0, await fx.CountAsync("""
            SELECT count(*) FROM players p
            WHERE p.game_server_id IN ('s1', 's2') AND ((SELECT count(*) FROM campaign_recipients r WHERE r.campaign_id = @id AND r.player_id = p.player_id) <> 1
               OR (SELECT count(*) FROM gamelink_outbox o WHERE o.correlation_id = 'campaign:' || @id || ':' || p.player_id AND o.game_server_id = p.game_server_id) <> 1)
            """, ("id", id)));
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM audit_records WHERE action = 'campaign.expanded' AND target_id = @id", ("id", id.ToString(CultureInfo.InvariantCulture))));

        // The mail body is a well-formed GameCommand for that very player.
        var command = GameCommand.Parser.ParseFrom(await Body($"campaign:{id}:c01234"));
        Assert.Equal("c01234", command.MailReward.PlayerId);
        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), command.MailReward.CampaignId);
        Assert.Equal("", command.MailReward.GrantId);
        Assert.Equal("Sorry for the outage", command.MailReward.Title);
        Assert.Equal([("gold", 50L), ("gem", 1L)], command.MailReward.Lines.Select(l => (l.ItemId, l.Count)));

        // Running the expansion again by hand (a second fire) writes nothing new.
        await using (var scope = b.Services.CreateAsyncScope())
        {
            await fx.ExecuteAsync("UPDATE campaigns SET state = 'expanding', cursor = '' WHERE campaign_id = @id", ("id", id));
            var outcome = await scope.ServiceProvider.GetRequiredService<CampaignExpander>().ExpandAsync(id, CancellationToken.None);
            Assert.Equal(ExpansionOutcome.Finished, outcome);
        }
        Assert.Equal(total, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"campaign:{id}:%")));

        // Progress and cancel: two delivered, the rest (never sent) cancelled by the background cancel.
        await fx.AckAsync($"campaign:{id}:c00001");
        await fx.AckAsync($"campaign:{id}:c00002");
        Assert.Equal(2, (await creator.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign.Delivered);
        var cancelling = (await creator.CancelCampaignAsync(new CancelCampaignRequest { CampaignId = id, Reason = "wrong servers" })).Campaign;
        Assert.Equal(CampaignState.Cancelled, cancelling.State);
        var cancelled = await CancelFinishedAsync(creator, id);
        Assert.Equal(2, cancelled.Delivered);
        Assert.Equal(total - 2, cancelled.Cancelled);
        Assert.Equal(total, cancelled.Withdrawn);
        Assert.Equal(0, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE outcome IS NULL AND correlation_id LIKE @p", ("p", $"campaign:{id}:%")));
    }

    [Fact]
    public async Task An_uploaded_list_is_appended_in_several_calls_and_checked()
    {
        var creator = fx.Rewards("lena", Role.Supervisor);
        // 59 CJK characters: 177 bytes of UTF-8, so the mail body needs two-byte protobuf lengths.
        var longId = new string('玩', 59);
        await fx.InsertPlayersAsync([(longId, "s1")]);
        var id = (await creator.CreateCampaignAsync(Campaign(null))).Campaign.CampaignId;
        var noPlayers = await Assert.ThrowsAsync<RpcException>(async () => await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id }));
        Assert.Equal(StatusCode.FailedPrecondition, noPlayers.StatusCode);

        Assert.Equal(3, (await creator.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = id, PlayerIds = { "p001", "p002", "p012" } })).UploadedPlayers);
        Assert.Equal(5, (await creator.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = id, PlayerIds = { "p002", "p013", longId } })).UploadedPlayers);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await creator.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = id, PlayerIds = { "p003", "ghost" } }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var tooMany = new AppendCampaignPlayersRequest { CampaignId = id };
        tooMany.PlayerIds.AddRange(Enumerable.Range(0, 1001).Select(i => $"x{i}"));
        var bounded = await Assert.ThrowsAsync<RpcException>(async () => await creator.AppendCampaignPlayersAsync(tooMany));
        Assert.Equal(StatusCode.InvalidArgument, bounded.StatusCode);

        await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id });
        var preview = await creator.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id });
        Assert.Equal(5, preview.TotalRecipients);
        Assert.Equal([("s1", 3L), ("s2", 2L)], preview.PerServer.Select(p => (p.GameServerId, p.Recipients)));

        await using var scope = fx.Server.Services.CreateAsyncScope();
        await fx.ExecuteAsync("UPDATE campaigns SET state = 'expanding' WHERE campaign_id = @id", ("id", id));
        Assert.Equal(ExpansionOutcome.Finished, await scope.ServiceProvider.GetRequiredService<CampaignExpander>().ExpandAsync(id, CancellationToken.None));
        Assert.Equal(5, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"campaign:{id}:%")));
        foreach (var player in new[] { "p001", longId })
        {
            var mail = GameCommand.Parser.ParseFrom(await Body($"campaign:{id}:{player}")).MailReward;
            Assert.Equal(player, mail.PlayerId);
            Assert.Equal("Sorry for the outage", mail.Title);
            Assert.Equal(2, mail.Lines.Count);
        }
    }

    [Fact]
    public async Task Cancelling_mid_expansion_stops_it_and_cancels_the_undelivered_mail()
    {
        var creator = fx.Rewards("mia", Role.Supervisor);
        var id = (await creator.CreateCampaignAsync(Campaign(null))).Campaign.CampaignId;
        await creator.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = id, PlayerIds = { Enumerable.Range(1, 20).Select(i => $"p{i:D3}") } });
        await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id });
        var reject = await Assert.ThrowsAsync<RpcException>(async () => await creator.RejectCampaignAsync(new RejectCampaignRequest { CampaignId = id, Reason = "mine" }));
        Assert.Equal(StatusCode.PermissionDenied, reject.StatusCode);
        await fx.ExecuteAsync("UPDATE campaigns SET state = 'expanding' WHERE campaign_id = @id", ("id", id));

        await using var scope = fx.Server.Services.CreateAsyncScope();
        var expander = scope.ServiceProvider.GetRequiredService<CampaignExpander>();
        Assert.Null(await expander.ExpandChunkAsync(id, 5, CancellationToken.None));
        Assert.Null(await expander.ExpandChunkAsync(id, 5, CancellationToken.None));
        await fx.AckAsync($"campaign:{id}:p001");
        Assert.Equal(CampaignState.Cancelled, (await creator.CancelCampaignAsync(new CancelCampaignRequest { CampaignId = id, Reason = "wrong list" })).Campaign.State);
        // This replica has no scheduler: run the background cancel here, as the job would.
        Assert.True(await scope.ServiceProvider.GetRequiredService<CampaignCanceller>().CancelAsync(id, CancellationToken.None));
        var cancelled = await CancelFinishedAsync(creator, id);
        Assert.Equal(10, cancelled.Expanded);
        Assert.Equal(1, cancelled.Delivered);
        Assert.Equal(9, cancelled.Cancelled);

        Assert.Equal(ExpansionOutcome.NotExpanding, await expander.ExpandAsync(id, CancellationToken.None));
        Assert.Equal(10, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id", ("id", id)));
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM audit_records WHERE action = 'campaign.cancel' AND target_id = @id", ("id", id.ToString(CultureInfo.InvariantCulture))));
        var again = await Assert.ThrowsAsync<RpcException>(async () => await creator.CancelCampaignAsync(new CancelCampaignRequest { CampaignId = id, Reason = "again" }));
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task An_incident_window_reaches_players_who_logged_in_during_it_or_are_still_online()
    {
        var start = fx.Clock.GetUtcNow().AddHours(-3);
        var end = start.AddHours(1);
        await fx.InsertPlayersAsync([("w-in", "s2")], start.AddMinutes(10));
        await fx.InsertPlayersAsync([("w-online", "s2")], start.AddHours(-5), online: true);
        await fx.InsertPlayersAsync([("w-before", "s2")], start.AddHours(-5));
        await fx.InsertPlayersAsync([("w-after", "s2")], end.AddMinutes(10), online: true);
        await fx.InsertPlayersAsync([("w-other-server", "s1")], start.AddMinutes(10));
        var creator = fx.Rewards("ivan", Role.Supervisor);
        var target = new IncidentWindowTarget { GameServerId = "s2", Start = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start), End = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(end) };
        var id = (await creator.CreateCampaignAsync(Campaign(target))).Campaign.CampaignId;
        var preview = await creator.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id });
        Assert.Equal(2, preview.TotalRecipients);

        var bad = Campaign(new GameServersTarget { GameServerIds = { "s9" } });
        var before = await fx.CountAsync("SELECT count(*) FROM campaigns");
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await creator.CreateCampaignAsync(bad));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var noTarget = Campaign(null);
        noTarget.ClearTarget();
        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await creator.CreateCampaignAsync(noTarget));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal(before, await fx.CountAsync("SELECT count(*) FROM campaigns"));
    }

    private static CreateCampaignRequest Campaign(Google.Protobuf.IMessage? target)
    {
        var r = new CreateCampaignRequest { Reason = "login outage", TicketRef = "INC-42", MailTitle = "Sorry for the outage", MailBody = "Compensation" };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = 50 });
        r.Lines.Add(new RewardLine { ItemId = "gem", Count = 1 });
        switch (target)
        {
            case GameServersTarget s: r.GameServers = s; break;
            case IncidentWindowTarget w: r.IncidentWindow = w; break;
            default: r.PlayerList = new PlayerListTarget(); break;
        }
        return r;
    }

    private async Task<string> Dump(string sql)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return string.Join("; ", rows);
    }

    private async Task<byte[]> Body(string correlationId)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT body FROM gamelink_outbox WHERE correlation_id = @c", conn);
        cmd.Parameters.AddWithValue("c", correlationId);
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {Patience.TotalSeconds}s for {what}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The background cancel runs as a Quartz job: waits (bounded) until it says it is finished.</summary>
    private static async Task<Contracts.V1.Campaign> CancelFinishedAsync(RewardService.RewardServiceClient client, long id)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var c = (await client.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign;
            if (c.CancelFinishedAt is not null)
            {
                return c;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"campaign {id} cancel did not finish");
            await Task.Delay(50);
        }
    }
}
