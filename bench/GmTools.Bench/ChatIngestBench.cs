using System.Diagnostics;
using System.Globalization;
using GmTools.Bench.Load;
using GmTools.Contracts.V1;
using GmTools.Server.ChatWatch;
using GmTools.Server.GameServers;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace GmTools.Bench;

/// <summary>
/// Chat ingest end to end (issue #18): G game servers, each holding its own IngestChat stream on its own HTTP/2
/// connection as a game server would, send world-chat batches (one line in ten disguised, the engine benchmark's
/// mix) to one replica as fast as the acks come back, a few batches in flight per stream. Every line is checked
/// for replays, scored against the starter rules, counted in the flood and wave windows and recorded in the Redis
/// live state; flagged lines go to PostgreSQL and through the policies. Reports lines/s acknowledged and Redis round
/// trips per 1,000 lines (the server's own count), next to the same run's redis-benchmark GET, plain and -P 16.
/// </summary>
public static class ChatIngestBench
{
    public sealed record Settings(string Postgres, string Redis, string RedisBenchmark, int Seconds, int GameServers, int Batch, int InFlight, int Players);

    public static async Task<int> RunAsync(Settings s)
    {
        GameLinkBench.PrintMachine();
        Console.WriteLine($"- load average at start: {WritePathBench.LoadAverage()}");
        var database = await GameLinkBench.CreateDatabaseAsync(s.Postgres);
        await using var a = await GameLinkBench.StartReplicaAsync(database, s.Redis, "replica-a", migrate: true);
        var servers = await RegisterAsync(a.Services, "chat-gs-", s.GameServers);
        await using (var seed = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT g.id || '-p' || i, g.id || '-acc' || i, g.id, 'Talker' || i, 10, 0, 0, '', true, 1, now()
            FROM unnest(@servers) AS g(id), generate_series(1, @n) i
            """))
        {
            seed.Parameters.AddWithValue("servers", servers.Select(x => x.Id).ToArray());
            seed.Parameters.AddWithValue("n", s.Players);
            await seed.ExecuteNonQueryAsync();
        }

        Console.WriteLine();
        Console.WriteLine($"## Chat ingest (IngestChat, {s.GameServers} game servers, each its own stream and connection, batches of {s.Batch}, {s.InFlight} in flight, {s.Seconds} s)");
        var plain = await Baselines.RedisGetsPerSecondAsync(s.RedisBenchmark, s.Redis, 200_000, 1);
        var pipelined = await Baselines.RedisGetsPerSecondAsync(s.RedisBenchmark, s.Redis, 1_000_000, 16);
        Console.WriteLine($"- redis-benchmark GET, 50 clients (same run, before): **{plain:N0} ops/s** unpipelined, **{pipelined:N0} ops/s** with -P 16; load average {WritePathBench.LoadAverage()}");
        var live = a.Services.GetRequiredService<ChatLiveState>();
        var stages = a.Services.GetRequiredService<ChatIngestStages>();
        await using var redisAdmin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(s.Redis + ",allowAdmin=true");
        var cpu = new AnomalyIntakeBench.CpuMeter(a.Services.GetRequiredService<NpgsqlDataSource>(), redisAdmin);
        await LoadAsync(a.Address, servers, s with { Seconds = Math.Min(3, s.Seconds) }, live, stages, "warm-up");
        await LoadAsync(a.Address, servers, s, live, stages, "measured", cpu);
        await using var flags = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT (SELECT count(*) FROM chat_flags), (SELECT count(*) FROM sanctions WHERE issued_by LIKE 'system%')");
        await using var reader = await flags.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"- stored over the whole run: {reader.GetInt64(0):N0} flagged lines in PostgreSQL, {reader.GetInt64(1):N0} automatic sanctions by the policies");
        return 0;
    }

    private static readonly string[] Words = ["兄弟", "今天", "副本", "坐骑", "装备", "快点", "等我", "马上", "team", "pls", "ok", "nice", "boss", "刷怪", "升级", "任务"];

    /// <summary>
    /// The engine's mix has 20 ordinary templates; thousands of senders repeating them word for word is exactly what
    /// the wave rule flags. Real world chat is varied: every line sent gets two words and a number of its own after
    /// its text (a fixed pool of varied lines would not do: at tens of thousands of lines a second each would come
    /// round from five senders within the wave window), so what is flagged is the disguised tenth.
    /// </summary>
    private static string Varied(string line, Random random) =>
        $"{line} {Words[random.Next(Words.Length)]}{random.Next(1, 1_000_000).ToString(CultureInfo.InvariantCulture)}{Words[random.Next(Words.Length)]}";

    /// <summary>One batch of <see cref="Settings.Batch"/> varied lines from <paramref name="gameServerId"/>'s players.</summary>
    private static IngestChatRequest BatchOf(string gameServerId, long batchId, string run, ref long lineNo, Settings s, string[] texts, Random random)
    {
        var request = new IngestChatRequest { GameServerId = gameServerId, BatchId = batchId };
        var sentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        for (var i = 0; i < s.Batch; i++)
        {
            request.Lines.Add(new ChatLineIn
            {
                LineId = $"{run}-{lineNo++}",
                Channel = ChatChannel.World,
                SenderPlayerId = $"{gameServerId}-p{random.Next(1, s.Players + 1)}",
                Text = ByteString.CopyFromUtf8(Varied(texts[random.Next(texts.Length)], random)),
                SentAt = sentAt,
            });
        }
        return request;
    }

    /// <summary>CPU µs a line of <see cref="BatchOf"/> plus the message's serialization, 100 batches on this thread.</summary>
    private static double GeneratorMicrosPerLine(Settings s, string[] texts)
    {
        var random = new Random(7);
        var lineNo = 0L;
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        long bytes = 0;
        for (var b = 0; b < 100; b++)
        {
            bytes += BatchOf("calibration", b, "cal", ref lineNo, s, texts, random).ToByteArray().Length;
        }
        var used = Process.GetCurrentProcess().TotalProcessorTime - before;
        return bytes == 0 ? double.NaN : used.TotalMicroseconds / lineNo;
    }

    /// <summary>What one run of the load gave (the load verb's chat row reads it).</summary>
    public sealed record Run(double LinesPerSecond, double RoundTripsPerThousand, double P50Ms, double P99Ms, long Accepted, long Flagged, long Degraded, long Errors);

    /// <summary>Registers <paramref name="count"/> game servers named <paramref name="prefix"/>N; their credentials as "GameServer …".</summary>
    public static async Task<List<(string Id, string Credential)>> RegisterAsync(IServiceProvider services, string prefix, int count)
    {
        var servers = new List<(string Id, string Credential)>();
        await using var scope = services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
        for (var g = 0; g < count; g++)
        {
            var id = prefix + g.ToString(CultureInfo.InvariantCulture);
            var issued = await registry.RegisterAsync(id, "Chat bench " + id, "bench", "benchmark", CancellationToken.None);
            servers.Add((id, $"GameServer {issued.Credential}"));
        }
        return servers;
    }

    /// <summary>
    /// The game servers stream batches for <see cref="Settings.Seconds"/>; prints and returns the figures. With
    /// <paramref name="cpu"/>, also the CPU per line of this process, PostgreSQL and Redis while measured, and what
    /// building and serializing the lines costs the generator alone (its share of "this process").
    /// </summary>
    internal static async Task<Run> LoadAsync(string address, List<(string Id, string Credential)> servers, Settings s, ChatLiveState live, ChatIngestStages stages, string what,
        AnomalyIntakeBench.CpuMeter? cpu = null)
    {
        var texts = ChatRuleEngineBench.SampleLines(10_000);
        var latencies = new Latencies($"IngestChat x{s.Batch}");
        var gate = new object();
        long accepted = 0, flagged = 0, degraded = 0, rejected = 0, errors = 0;
        var run = Guid.NewGuid().ToString("N")[..8];
        var tripsBefore = live.RoundTrips;
        var (batchesBefore, stagesBefore) = stages.Snapshot();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        if (cpu is not null)
        {
            await cpu.StartAsync();
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(s.Seconds));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(servers.Select(async (server, g) =>
        {
            // Its own connection: game servers do not share one.
            using var channel = GameLinkBench.Channel(address);
            var client = new ChatWatchService.ChatWatchServiceClient(channel);
            using var call = client.IngestChat(new Metadata { { "authorization", server.Credential } });
            var random = new Random(g);
            var sent = new System.Collections.Concurrent.ConcurrentQueue<long>();
            using var window = new SemaphoreSlim(s.InFlight);
            var reading = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    var ack = call.ResponseStream.Current;
                    if (sent.TryDequeue(out var startedAt))
                    {
                        lock (gate)
                        {
                            latencies.Add(Stopwatch.GetElapsedTime(startedAt));
                        }
                    }
                    Interlocked.Add(ref accepted, ack.Accepted);
                    Interlocked.Add(ref flagged, ack.Flagged);
                    Interlocked.Add(ref rejected, ack.Rejected.Count);
                    if (ack.Degraded)
                    {
                        Interlocked.Increment(ref degraded);
                    }
                    window.Release();
                }
            });
            var batchId = 0L;
            var lineNo = 0L;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await window.WaitAsync(stop.Token);
                    var request = BatchOf(server.Id, ++batchId, run, ref lineNo, s, texts, random);
                    sent.Enqueue(Stopwatch.GetTimestamp());
                    await call.RequestStream.WriteAsync(request);
                }
            }
            catch (OperationCanceledException)
            {
                // the run's time is up
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref errors);
            }
            try
            {
                await call.RequestStream.CompleteAsync();
                await reading;
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref errors);
            }
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var cpuLine = cpu is null ? null : await cpu.StopAsync(accepted, "line");
        var trips = live.RoundTrips - tripsBefore;
        var (batchesAfter, stagesAfter) = stages.Snapshot();
        var batches = Math.Max(1, batchesAfter - batchesBefore);
        var perThousand = accepted == 0 ? double.NaN : trips * 1000.0 / accepted;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"- {what}: **{accepted / elapsed:N0} lines/s acknowledged** (target ≥ 50,000 per replica), **{perThousand:0.0} Redis round trips per 1,000 lines** (target ≤ 20), " +
            $"batch p50 {latencies.Percentile(50):0.0} ms, p99 {latencies.Percentile(99):0.0} ms; flagged {flagged:N0}, rejected {rejected}, degraded batches {degraded}, stream errors {errors}; load average {WritePathBench.LoadAverage()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  - process CPU (server and load generator together) {cpuUsed.TotalMilliseconds * 1000 / Math.Max(1, accepted):0.0} µs a line; " +
            $"a batch's stages, mean wall ms: {string.Join(", ", System.Enum.GetValues<ChatIngestStages.Stage>().Select((st, i) => $"{st} {(stagesAfter[i] - stagesBefore[i]).TotalMilliseconds / batches:0.00}"))}"));
        if (cpuLine is not null)
        {
            Console.WriteLine($"  - {cpuLine}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  - the generator alone, building and serializing lines on one thread: {GeneratorMicrosPerLine(s, texts):0.0} µs a line (HTTP/2 and the acks not included)"));
        }
        return new Run(accepted / elapsed, perThousand, latencies.Percentile(50), latencies.Percentile(99), accepted, flagged, degraded, errors);
    }
}
