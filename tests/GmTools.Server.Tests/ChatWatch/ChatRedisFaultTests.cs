using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using static GmTools.Server.Tests.ChatWatch.ChatKit;

namespace GmTools.Server.Tests.ChatWatch;

/// <summary>A replica on a private Redis the test stops mid-stream and starts again.</summary>
[Collection(RunsAlone.Name)]
public sealed class ChatRedisFaultTests(PrivateRedisFixture fx) : IClassFixture<PrivateRedisFixture>
{
    [Fact]
    public async Task Redis_stopped_mid_stream_degrades_ingestion_and_it_resumes_without_losing_a_sanction_or_its_evidence()
    {
        const string gs = "cw-fault";
        await fx.AddPlayerAsync("p-fault", gs);
        var client = await fx.GameServerAsync(gs);
        using var call = client.IngestChat();
        async Task<GmTools.Contracts.V1.IngestChatResponse> SendAsync(long id, params GmTools.Contracts.V1.ChatLineIn[] lines)
        {
            await call.RequestStream.WriteAsync(new GmTools.Contracts.V1.IngestChatRequest { GameServerId = gs, BatchId = id, Lines = { lines } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            return call.ResponseStream.Current;
        }

        var healthy = await SendAsync(1, Line("f-1", "p-fault", "出售金币 便宜"), Line("f-2", "p-fault", "hello"));
        Assert.False(healthy.Degraded);

        await fx.Redis.StopAsync();
        var degraded = await SendAsync(2, Line("f-3", "p-fault", "代练 找我"), Line("f-4", "p-fault", "卖号 便宜"));
        Assert.True(degraded.Degraded);
        Assert.Equal(2, degraded.Accepted);
        Assert.Equal(2, degraded.Flagged);
        Assert.Equal(1, degraded.SanctionsIssued);
        var sanctionId = await fx.ScalarAsync("SELECT sanction_id FROM sanctions WHERE player_id = 'p-fault'");
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sanction_id = @s", ("s", sanctionId)));
        Assert.Contains((gs, "mute"), await fx.OutboxAsync(sanctionId));

        // the replay of a flagged line while Redis is away is still stored once (PostgreSQL's unique key)
        var replay = await SendAsync(3, Line("f-3", "p-fault", "代练 找我"));
        Assert.True(replay.Degraded);
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE game_server_id = @gs", ("gs", gs)));

        await fx.Redis.StartAgainAsync();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        GmTools.Contracts.V1.IngestChatResponse resumed;
        var n = 0;
        do
        {
            resumed = await SendAsync(10 + n, Line($"f-back-{n++}", "p-fault", "back again"));
            if (!resumed.Degraded)
            {
                break;
            }
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.False(resumed.Degraded);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-fault'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.issue' AND target_id = @s",
            ("s", sanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task A_replica_that_started_without_redis_shows_other_replicas_lines_once_redis_is_back()
    {
        const string gs = "cw-late";
        await fx.AddPlayerAsync("p-late", gs);
        await fx.Redis.StopAsync();
        GmTools.Server.Tests.Infrastructure.GmToolsFactory late;
        try
        {
            late = fx.AddReplica();
            _ = late.Server; // start it while Redis is gone
        }
        finally
        {
            await fx.Redis.StartAgainAsync();
        }
        var gm = fx.ChatStaff("gm-late", Security.Role.Gm, late);
        using var watch = gm.WatchChat(new GmTools.Contracts.V1.WatchChatRequest { GameServerId = gs });
        var client = await fx.GameServerAsync(gs);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var moved = watch.ResponseStream.MoveNext(cts.Token);
        // Ingested on the first replica; the late one hears it only through Redis, once its subscription is made.
        for (var n = 0; !moved.IsCompleted && !cts.IsCancellationRequested; n++)
        {
            await client.IngestAsync(gs, [Line($"late-{n}", "p-late", "anyone for deadmines?")]);
            await Task.WhenAny(moved, Task.Delay(250, cts.Token));
        }
        Assert.True(await moved);
        Assert.StartsWith("late-", watch.ResponseStream.Current.Line.LineId, StringComparison.Ordinal);
    }
}
