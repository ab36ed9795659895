using System.ComponentModel.DataAnnotations;
using GmTools.Contracts.V1;
using GmTools.Server.Anomalies;
using GmTools.Server.ChatWatch;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Sanctions;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;
using static GmTools.Server.Tests.Anomalies.AnomalyKit;
using static GmTools.Server.Tests.ChatWatch.ChatKit;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.ScaleOut;

/// <summary>
/// Two replicas on the run's 3-master Redis Cluster. CheckAccess on its Redis path (the in-process set of sanctions
/// in force off) and a GameLink sweep of an hour on a clock that never moves, so only Redis (its cache, its scripts,
/// its pub/sub) can make these tests pass in time; a Redis failure (CROSSSLOT, MOVED, a timeout) would be logged as
/// a warning and answered from PostgreSQL, so every test also checks that nothing about Redis was logged.
/// </summary>
public sealed class RedisClusterFixture : Sanctions.SanctionsFixture
{
    protected override bool UsesRedisCluster => true;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:Sanctions:AccessSet:Enabled"] = "false",
        // What is proven is where the cache's keys go, not the 250 ms production bound: a busy suite must not turn
        // the fill into a Redis timeout and a 5 s skip of Redis.
        ["GmTools:Sanctions:RedisTimeout"] = TimeSpan.FromSeconds(5).ToString(),
        ["GmTools:GameLink:SweepInterval"] = TimeSpan.FromHours(1).ToString(),
    };

    private ConnectionMultiplexer? _probe;

    /// <summary>A cluster-aware connection of the test's own, to look at what the replicas wrote.</summary>
    public async Task<ConnectionMultiplexer> ProbeAsync() => _probe ??= await ConnectionMultiplexer.ConnectAsync(TestEnvironment.RedisCluster + ",allowAdmin=true");

    public override async Task DisposeAsync()
    {
        if (_probe is not null)
        {
            await _probe.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

[Collection(RunsAlone.Name)]
public sealed class RedisClusterTests : IClassFixture<RedisClusterFixture>
{
    private static readonly string[] HostileIds = ["p-1", "a}b", "{x}", "", "}{", "%7D", "p{1}2", "玩家-7", "{"];

    private readonly RedisClusterFixture _fx;

    public RedisClusterTests(RedisClusterFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        fx.LogTo(output);
    }

    [Fact]
    public async Task The_keys_of_each_multi_key_operation_share_one_cluster_slot_whatever_the_id_holds()
    {
        var probe = await _fx.ProbeAsync();
        Assert.Equal(3, probe.GetServers().Count(s => s.ServerType == ServerType.Cluster && !s.IsReplica));
        var db = probe.GetDatabase();
        async Task<long> SlotAsync(string name) => (long)await db.ExecuteAsync("CLUSTER", "KEYSLOT", _fx.RedisPrefix + name);

        foreach (var id in HostileIds)
        {
            // The sanction cache's scripts and MGET: the player's list and its invalidation counter.
            var player = await SlotAsync(SanctionAccessCache.ActiveName(id));
            Assert.Equal(player, await SlotAsync(SanctionAccessCache.CounterName(id)));
            // The rest of the player's state on the same shard.
            Assert.Equal(player, await SlotAsync(ChatLiveState.Violations(id)));
            // The hottest offenders' ZUNION over the buckets, and the rest of the game server's chat state.
            var server = await SlotAsync(ChatLiveState.Offenders(id, 1000));
            for (var bucket = 1001; bucket < 1010; bucket++)
            {
                Assert.Equal(server, await SlotAsync(ChatLiveState.Offenders(id, bucket)));
            }
            Assert.Equal(server, await SlotAsync(ChatLiveState.Recent(id, "world")));
            Assert.Equal(server, await SlotAsync(ChatLiveState.Flagged(id)));
            // One script per ingest batch each: the replay buckets, the players' flood windows, every recent list.
            for (var bucket = 1000; bucket < 1005; bucket++)
            {
                Assert.Equal(server, await SlotAsync(ChatLiveState.Seen(id, bucket)));
            }
            foreach (var talker in HostileIds)
            {
                Assert.Equal(server, await SlotAsync(ChatLiveState.Rate(id, talker)));
                Assert.Equal(server, await SlotAsync(ChatLiveState.PlayerRecent(id, talker)));
            }
            // A wave script's texts: two texts of one shard share its slot whatever they hold, in any bucket.
            var text = "w" + id;
            var sameShard = Enumerable.Range(0, 10_000).Select(i => $"other-{i}").First(t => ChatLiveState.WaveShard(t) == ChatLiveState.WaveShard(text));
            Assert.Equal(await SlotAsync(ChatLiveState.Wave(7, text)), await SlotAsync(ChatLiveState.Wave(8, sameShard)));
            // One intake batch's anomaly windows (one script call): every player's of the reporting game server.
            foreach (var player2 in HostileIds)
            {
                Assert.Equal(server, await SlotAsync(AnomalyCounters.SetName(id, player2, "speed_hack", "high")));
                Assert.Equal(server, await SlotAsync(AnomalyCounters.BuiltName(id, player2, "speed_hack")));
            }
        }
        // The shards are distinct tags, so the wave windows spread over the masters.
        var waveSlots = new HashSet<long>();
        for (var shard = 0; shard < ChatLiveState.WaveShards; shard++)
        {
            var text = Enumerable.Range(0, 10_000).Select(i => $"text-{i}").First(t => ChatLiveState.WaveShard(t) == shard);
            waveSlots.Add(await SlotAsync(ChatLiveState.Wave(1, text)));
        }
        Assert.Equal(ChatLiveState.WaveShards, waveSlots.Count);
        // Escaping keeps ids apart: no two ids share a tag.
        Assert.Equal(HostileIds.Length, HostileIds.Select(RedisKeys.Tag).Distinct(StringComparer.Ordinal).Count());
        // A brace in the prefix would tag every key alike: refused by the options' validation.
        static List<ValidationResult> Problems(RedisOptions o)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(o, new ValidationContext(o), results, validateAllProperties: true);
            return results;
        }
        Assert.Contains("must not contain '{' or '}'", Assert.Single(Problems(new RedisOptions { KeyPrefix = "{gm}:" })).ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(Problems(new RedisOptions { KeyPrefix = "gm:" }));
    }

    [Fact]
    public async Task A_ban_through_one_replica_kicks_on_the_other_and_the_cluster_cache_fills_and_invalidates_across_them()
    {
        const string gs = "cl-s";
        var a = _fx.Server;
        var b = _fx.AddReplica();
        await Task.WhenAll(a.Services.GetRequiredService<GameLinkHub>().Subscribed, b.Services.GetRequiredService<GameLinkHub>().Subscribed).WaitAsync(Patience);
        var credential = await _fx.GameServerCredentialAsync(gs);
        var players = Enumerable.Range(1, 12).Select(i => $"p-cl-{i}").ToArray();
        foreach (var p in players)
        {
            await _fx.AddPlayerAsync(p, gs);
        }
        var onB = new SanctionService.SanctionServiceClient(b.Channel(credential));
        CheckAccessRequest Check(string p) => new() { PlayerId = p, GameServerId = gs };
        foreach (var p in players)
        {
            Assert.True((await onB.CheckAccessAsync(Check(p))).MayLogIn);
        }

        // B's misses filled Redis (the fill script), one player per tag, spread over the masters.
        var probe = await _fx.ProbeAsync();
        var pdb = probe.GetDatabase();
        Assert.True(await EventuallyAsync(async () =>
        {
            foreach (var p in players)
            {
                if (!await pdb.KeyExistsAsync(_fx.RedisPrefix + SanctionAccessCache.ActiveName(p)))
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(5)), "CheckAccess did not fill the cluster cache");
        var holding = 0;
        foreach (var master in probe.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var _ in master.KeysAsync(pattern: _fx.RedisPrefix + "sanctions:*", pageSize: 100))
            {
                holding++;
                break;
            }
        }
        Assert.True(holding >= 2, $"the cached players sit on {holding} master(s) only");

        // The ban through A: B's cached "allowed" is dropped through the cluster's pub/sub and the counter script.
        var sim = Sim(b, gs, credential);
        var kicked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sim.CommandReceived += (c, _) =>
        {
            if (c.Kick?.PlayerId == players[0] || c.Ban?.PlayerId == players[0])
            {
                kicked.TrySetResult();
            }
        };
        await using var run = Start(sim);
        await EventuallyAsync(() => sim.Welcomes == 1, "the game server connected to B");
        var ban = await _fx.Staff("gm-cl").IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = players[0], Kind = SanctionKind.Ban, Scope = OnServer(gs), End = For(TimeSpan.FromDays(7)), ReasonCode = "cheating", Reason = "wallhack",
        });
        await kicked.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the sweep is an hour: only the wake-up through Redis delivers
        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(Check(players[0]))).MayLogIn, TimeSpan.FromSeconds(1.5)),
            "replica B still lets the banned player in");
        Assert.Equal(1, (long)await pdb.StringGetAsync(_fx.RedisPrefix + SanctionAccessCache.CounterName(players[0])));
        Assert.True((await onB.CheckAccessAsync(Check(players[1]))).MayLogIn);

        // The lift through B reaches A the same way.
        var onA = new SanctionService.SanctionServiceClient(a.Channel(credential));
        Assert.False((await onA.CheckAccessAsync(Check(players[0]))).MayLogIn);
        var liftB = new SanctionService.SanctionServiceClient(b.Channel(b.StaffToken("gm-cl-2", Role.Gm)));
        await liftB.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.Sanction.SanctionId, Reason = "false positive" });
        Assert.True(await EventuallyAsync(async () => (await onA.CheckAccessAsync(Check(players[0]))).MayLogIn, TimeSpan.FromSeconds(1.5)),
            "replica A still refuses the player after the lift on B");
        NoRedisTrouble();
    }

    [Fact]
    public async Task Chat_flood_and_wave_windows_recent_lines_hottest_offenders_and_the_live_feed_work_across_replicas()
    {
        const string gs = "cl-chat";
        var a = _fx.Server;
        var b = _fx.AddReplica();
        var senders = Enumerable.Range(1, 5).Select(i => $"p-clc-{i}").ToArray();
        foreach (var p in senders)
        {
            await _fx.AddPlayerAsync(p, gs);
        }
        var credential = await _fx.GameServerCredentialAsync(gs);
        var gm = _fx.ChatStaff("gm-clc", Role.Gm);
        using var watch = gm.WatchChat(new WatchChatRequest { GameServerId = gs, FlaggedOnly = true });
        var feed = a.Services.GetRequiredService<ChatLiveFeed>();
        await EventuallyAsync(() => feed.Watchers > 0, "the watcher on A listens");

        // The starter flood rule is 10 lines in 10 s: six through B and five through A count in one Redis window.
        var viaA = new ChatWatchService.ChatWatchServiceClient(a.Channel(credential));
        var viaB = new ChatWatchService.ChatWatchServiceClient(b.Channel(credential));
        var first = await viaB.IngestAsync(gs, [.. Enumerable.Range(1, 6).Select(i => Line($"fl-{i}", senders[0], $"hello number {i}"))]);
        var second = await viaA.IngestAsync(gs, [.. Enumerable.Range(7, 5).Select(i => Line($"fl-{i}", senders[0], $"hello number {i}"))]);
        Assert.Equal((false, 0), (first[0].Degraded, first[0].Flagged));
        Assert.Equal((false, 1), (second[0].Degraded, second[0].Flagged));

        // The watcher on A hears the flood line ingested on A... and the wave (five senders, one text) through B.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal("fl-11", watch.ResponseStream.Current.Line.LineId);
        var wave = await viaB.IngestAsync(gs, [.. senders.Select((p, i) => Line($"wv-{i}", p, "meet me at the castle gate tonight"))]);
        Assert.Equal((false, 5), (wave[0].Degraded, wave[0].Flagged));
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.StartsWith("wv-", watch.ResponseStream.Current.Line.LineId, StringComparison.Ordinal);

        // A replayed line is recognised through the cluster (the server's replay buckets, on its shard).
        var replay = await viaA.IngestAsync(gs, [Line("fl-3", senders[0], "hello number 3")]);
        Assert.Equal((false, 1), (replay[0].Degraded, replay[0].Duplicates));

        var recent = await gm.ListRecentChatAsync(new ListRecentChatRequest { GameServerId = gs, Channel = ChatChannel.World, PageSize = 3 });
        Assert.True(recent.Live);
        Assert.Equal(["wv-4", "wv-3", "wv-2"], recent.Lines.Select(l => l.LineId));
        var hot = await gm.ListHotChatOffendersAsync(new ListHotChatOffendersRequest { GameServerId = gs });
        Assert.True(hot.Live);
        Assert.Equal((senders[0], 2L), (hot.Offenders[0].PlayerId, hot.Offenders[0].FlaggedLines));
        NoRedisTrouble();
    }

    [Fact]
    public async Task Anomaly_windows_count_reports_made_through_both_replicas_on_the_cluster()
    {
        const string gs = "cl-an";
        var b = _fx.AddReplica();
        await _fx.EnsureKindAsync(Kind("cluster_kind", new AnomalyThreshold { Count = 3, Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase }));
        await _fx.AddPlayerAsync("p-cla", gs);
        var credential = await _fx.GameServerCredentialAsync(gs);
        var viaA = new AnomalyService.AnomalyServiceClient(_fx.Server.Channel(credential));
        var viaB = new AnomalyService.AnomalyServiceClient(b.Channel(credential));
        AnomalyReportIn At(string id) => Report(id, "p-cla", "cluster_kind", at: _fx.Clock.GetUtcNow().AddSeconds(-10));

        var one = await viaA.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = gs, Reports = { At("cla-1"), At("cla-2") } });
        Assert.Equal((false, 0), (one.Degraded, one.CasesOpened));
        var two = await viaB.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = gs, Reports = { At("cla-3") } });
        Assert.Equal((false, 1), (two.Degraded, two.CasesOpened));
        var pdb = (await _fx.ProbeAsync()).GetDatabase();
        Assert.Equal(3, await pdb.SortedSetLengthAsync(_fx.RedisPrefix + AnomalyCounters.SetName(gs, "p-cla", "cluster_kind", "medium")));
        NoRedisTrouble();
    }

    private void NoRedisTrouble()
    {
        var trouble = _fx.Log.Warnings.Where(w => w.Contains("Redis", StringComparison.OrdinalIgnoreCase) || w.Contains("CROSSSLOT", StringComparison.Ordinal)).ToList();
        Assert.True(trouble.Count == 0, "Redis trouble was logged: " + string.Join(Environment.NewLine, trouble));
    }
}
