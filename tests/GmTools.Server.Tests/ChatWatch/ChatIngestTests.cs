using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.ChatWatch.ChatKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.ChatWatch;

public sealed class ChatIngestTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_batch_is_acknowledged_with_counts_and_a_malformed_line_is_reported_by_index_and_skipped()
    {
        const string gs = "cw-ack";
        var client = await fx.GameServerAsync(gs);
        var overLong = new string('a', 513);
        var acks = await client.IngestAsync(gs,
        [
            Line("ack-1", "p-ack", "anyone for the dungeon tonight?"),
            RawLine("ack-2", "p-ack", [0x68, 0xC3, 0x28, 0x69]),
            Line("ack-3", "p-ack", overLong),
            Line("ack-4", "p-ack", "hello", ChatChannel.Unspecified),
            Line("ack-5", "p-ack", "出售金币 便宜 速来"),
            Line("ack-6", "p-ack", "private words", ChatChannel.Private),
        ]);
        var ack = Assert.Single(acks);
        Assert.Equal(1, ack.BatchId);
        Assert.Equal(2, ack.Accepted);
        Assert.Equal(1, ack.Flagged);
        Assert.False(ack.Degraded);
        Assert.Equal([1, 2, 3, 5], ack.Rejected.Select(r => r.Index));
        Assert.Equal("lines[1].text", ack.Rejected[0].Field);
        Assert.Contains("UTF-8", ack.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Equal("lines[2].text", ack.Rejected[1].Field);
        Assert.Equal("lines[3].channel", ack.Rejected[2].Field);
        Assert.Equal("lines[5].recipient_player_id", ack.Rejected[3].Field);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE game_server_id = @gs", ("gs", gs)));
        Assert.Equal("ads", (await fx.ScalarTextAsync("SELECT category FROM chat_flags WHERE line_id = 'ack-5'")));
    }

    [Fact]
    public async Task A_replayed_line_id_is_a_duplicate_and_is_not_counted_twice()
    {
        const string gs = "cw-replay";
        var client = await fx.GameServerAsync(gs);
        var first = await client.IngestAsync(gs, [Line("r-1", "p-r", "出售金币 速来"), Line("r-2", "p-r", "hello all")]);
        var again = await client.IngestAsync(gs,
            [Line("r-1", "p-r", "出售金币 速来"), Line("r-2", "p-r", "hello all"), Line("r-3", "p-r", "new line"), Line("r-3", "p-r", "new line")]);
        Assert.Equal((2, 0), (first[0].Accepted, first[0].Duplicates));
        Assert.Equal((1, 3), (again[0].Accepted, again[0].Duplicates));
        Assert.Equal(0, again[0].Flagged);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE game_server_id = @gs", ("gs", gs)));
    }

    [Fact]
    public async Task A_replay_is_recognised_until_the_end_of_the_replay_window_and_the_markers_are_a_few_keys_per_server()
    {
        const string gs = "cw-replay-window";
        var client = await fx.GameServerAsync(gs);
        var lines = Enumerable.Range(0, 50).Select(i => Line($"rw-{i}", "p-rw", $"hello number {i}")).ToArray();
        var first = await client.IngestAsync(gs, lines);
        Assert.Equal((50, 0), (first[0].Accepted, first[0].Duplicates));

        // Just inside SeenLineTtl (6 h) on the fake clock: three bucket boundaries (2 h each) later, still a replay.
        fx.Clock.Advance(TimeSpan.FromHours(6) - TimeSpan.FromSeconds(1));
        var again = await client.IngestAsync(gs, [Line("rw-7", "p-rw", "hello number 7"), Line("rw-50", "p-rw", "hello number 50")]);
        Assert.Equal((1, 1), (again[0].Accepted, again[0].Duplicates));

        // 51 line ids, two buckets: two keys, not one per line.
        var redis = fx.Server.Services.GetRequiredService<GmTools.Server.Infrastructure.Redis.RedisConnection>();
        var server = redis.Multiplexer.GetServers().Single();
        var keys = 0;
        await foreach (var _ in server.KeysAsync(pattern: fx.RedisPrefix + "cw:seen:*" + gs + "*", pageSize: 100))
        {
            keys++;
        }
        Assert.Equal(2, keys);
    }

    [Fact]
    public async Task A_game_server_sending_for_another_server_is_refused_and_nothing_is_written()
    {
        var client = await fx.GameServerAsync("cw-self");
        await fx.GameServerCredentialAsync("cw-other");
        var e = await client.IngestFailsAsync(new IngestChatRequest { GameServerId = "cw-other", Lines = { Line("o-1", "p-o", "出售金币 速来") } });
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE game_server_id = 'cw-other'"));

        var staff = fx.ChatStaff("gm-cw", Role.Admin);
        var denied = await staff.IngestFailsAsync(new IngestChatRequest { GameServerId = "cw-self", Lines = { Line("o-2", "p-o", "出售金币 速来") } });
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task A_batch_over_the_size_limit_is_refused_whole()
    {
        const string gs = "cw-big";
        var client = await fx.GameServerAsync(gs);
        var batch = new IngestChatRequest { GameServerId = gs };
        batch.Lines.AddRange(Enumerable.Range(0, 1001).Select(i => Line($"b-{i}", "p-b", "出售金币 速来 " + i)));
        var e = await client.IngestFailsAsync(batch);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE game_server_id = @gs", ("gs", gs)));
    }

    [Fact]
    public async Task Three_ad_lines_mute_the_sender_once_as_the_system_with_the_lines_as_evidence_audited_and_sent_to_the_game_server()
    {
        const string gs = "cw-mute";
        await fx.GameServerCredentialAsync(gs);
        await fx.AddPlayerAsync("p-spam", gs);
        var client = await fx.GameServerAsync(gs);
        var acks = await client.IngestAsync(gs,
            [Line("m-1", "p-spam", "出售金币 便宜"), Line("m-2", "p-spam", "大家好")],
            [Line("m-3", "p-spam", "出 售 金 幣 速来"), Line("m-4", "p-spam", "ｃｈｅａｐ ｇｏｌｄ here")],
            [Line("m-5", "p-spam", "代练 找我")]);
        Assert.Equal([0, 1, 0], acks.Select(a => a.SanctionsIssued));

        var sanctionId = await fx.ScalarAsync("SELECT sanction_id FROM sanctions WHERE player_id = 'p-spam'");
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-spam' AND issued_by = 'system' AND kind = 'mute' AND reason_code = 'gold_selling'"));
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sanction_id = @s AND state = 'sanctioned'", ("s", sanctionId)));
        Assert.Equal(3, await fx.ScalarAsync("SELECT cardinality(evidence_chat_line_ids) FROM sanctions WHERE sanction_id = @s", ("s", sanctionId)));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'sanction.issue' AND target_id = @s", ("s", sanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Contains((gs, "mute"), await fx.OutboxAsync(sanctionId));
        // the fifth ad line is pending review, not a second mute
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sender_player_id = 'p-spam' AND state = 'pending'"));
    }

    [Fact]
    public async Task The_same_lines_through_two_replicas_mute_once()
    {
        const string gs = "cw-twice";
        var credential = await fx.GameServerCredentialAsync(gs);
        await fx.AddPlayerAsync("p-twice", gs);
        var b = fx.AddReplica();
        var viaA = new ChatWatchService.ChatWatchServiceClient(fx.Server.Channel(credential));
        var viaB = new ChatWatchService.ChatWatchServiceClient(b.Channel(credential));
        ChatLineIn[] lines = [Line("t-1", "p-twice", "出售金币"), Line("t-2", "p-twice", "卖号 便宜"), Line("t-3", "p-twice", "代练 代充")];
        var results = await Task.WhenAll(viaA.IngestAsync(gs, lines), viaB.IngestAsync(gs, lines));
        Assert.Equal(1, results.Sum(r => r[0].SanctionsIssued));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-twice'"));
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sender_player_id = 'p-twice'"));
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sender_player_id = 'p-twice' AND sanction_id IS NOT NULL"));
    }

    [Fact]
    public async Task Flood_counts_a_players_lines_in_a_sliding_window_so_a_burst_straddling_a_window_boundary_is_caught()
    {
        const string gs = "cw-flood";
        var client = await fx.GameServerAsync(gs);
        static ChatLineIn[] Burst(string batch, int count) =>
            [.. Enumerable.Range(0, count).Select(i => Line($"{batch}-{i}", "p-flood", $"hello there number {batch} {i}"))];
        async Task<int> FlaggedAsync(string batch, int count) => (await client.IngestAsync(gs, Burst(batch, count)))[0].Flagged;

        // The starter rule: more than 10 lines within 10 s. Start 1 s before a 10-s boundary of the clock, where a
        // window of fixed buckets would start counting from zero again.
        var window = TimeSpan.FromSeconds(10);
        fx.Clock.Advance(window - TimeSpan.FromTicks(fx.Clock.GetUtcNow().UtcTicks % window.Ticks) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await FlaggedAsync("fa", 8));   // boundary - 1 s: lines 1-8
        fx.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(6, await FlaggedAsync("fb", 8));   // boundary + 1 s: lines 9-16 within 2 s, the last six over
        fx.Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, await FlaggedAsync("fc", 3));   // boundary + 10 s: the first burst has left the window, the second not: 8 + 3
        fx.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await FlaggedAsync("fd", 3));   // boundary + 12 s: only the third burst is left: 3 + 3

        Assert.Equal("fb-2,fb-3,fb-4,fb-5,fb-6,fb-7,fc-2", await fx.ScalarTextAsync(
            "SELECT string_agg(line_id, ',' ORDER BY line_id) FROM chat_flags WHERE game_server_id = @gs AND category = 'flood'", ("gs", gs)));
    }
}
