using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GmTools.Contracts.V1;
using GmTools.Server;
using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Persistence;
using GmTools.Simulator;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace GmTools.Bench;

/// <summary>
/// Two GmTools replicas in this process on real sockets, one PostgreSQL, one Redis. Commands are enqueued through
/// replica A the way capabilities do (CommandOutbox + SaveChanges, so the commit interceptor publishes), and a
/// simulated game server holds its stream on replica B. Every figure is printed next to baselines from the same run.
/// </summary>
public static class GameLinkBench
{
    internal const string GameServer = "bench-gs";

    /// <param name="BaselinesOnly">Stop after the same-run baselines.</param>
    /// <param name="DrainOnly">Stop after the backlog drain (commands/s), before the latency runs.</param>
    public sealed record Settings(string Postgres, string Redis, int Commands, int Samples, int Rate, bool BaselinesOnly, bool DrainOnly);

    public static async Task<int> RunAsync(Settings settings)
    {
        var (postgres, redis, commands, samples, rate) = (settings.Postgres, settings.Redis, settings.Commands, settings.Samples, settings.Rate);
        PrintMachine();
        var database = await CreateDatabaseAsync(postgres);
        await using var a = await StartReplicaAsync(database, redis, "replica-a", migrate: true);
        await using var b = await StartReplicaAsync(database, redis, "replica-b", migrate: false);
        var credential = await RegisterAsync(a);
        using var channelB = Channel(b.Address);
        using var channelA = Channel(a.Address);
        var headers = new Metadata { { "authorization", credential } };

        Console.WriteLine();
        Console.WriteLine("## Baselines (same run)");
        await EchoBaselineAsync(channelB, headers);
        await PostgresBaselineAsync(database);

        if (settings.BaselinesOnly)
        {
            return 0;
        }
        Console.WriteLine();
        Console.WriteLine("## GameLink");
        await ThroughputAsync(a, channelB, headers, commands, settings.DrainOnly);
        if (settings.DrainOnly)
        {
            return 0;
        }
        await LatencyAsync(a, channelB, headers, samples, rate, "sender on A, game server on B (cross-replica, via Redis pub/sub)");
        await LatencyAsync(a, channelA, headers, samples, rate, "sender and game server both on A (same replica)");
        await BanToKickAsync(a, channelA, channelB, headers, Math.Min(samples, 500));
        return 0;
    }

    /// <summary>
    /// The GM's path end to end: IssueSanction (ban) over gRPC on replica A — validation, sanction row, audit record
    /// and outbox rows in one transaction — until the kick arrives at the game server holding its stream on B.
    /// One ban at a time, each for a different player.
    /// </summary>
    /// <returns>Ban → kick latencies (ms) of the kicks that arrived, and the IssueSanction calls' own.</returns>
    internal static async Task<(List<double> Kicks, List<double> Calls)> BanToKickAsync(Replica a, GrpcChannel channelA, GrpcChannel channelB,
        Metadata gameServerHeaders, int samples, string label = "IssueSanction over gRPC on A → kick received by the game server on B")
    {
        await using (var connection = new NpgsqlConnection(a.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString))
        {
            await connection.OpenAsync();
            await using var seed = new NpgsqlCommand("""
                INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
                SELECT 'ban-' || i, 'acc-ban-' || i, @gs, 'Cheater' || i, 10, 0, 0, '', true, 1, now()
                FROM generate_series(1, @n) i ON CONFLICT DO NOTHING
                """, connection);
            seed.Parameters.AddWithValue("gs", GameServer);
            seed.Parameters.AddWithValue("n", samples);
            await seed.ExecuteNonQueryAsync();
        }
        var token = a.Services.GetRequiredService<Server.Security.StaffTokenIssuer>().Issue("bench.gm", [Server.Security.Role.Gm]);
        var gm = new SanctionService.SanctionServiceClient(channelA);
        var gmHeaders = new Metadata { { "authorization", "Bearer " + token } };

        var arrived = new ConcurrentDictionary<string, long>();
        var sim = new SimulatedGameServer(GameServer, new GameLinkService.GameLinkServiceClient(channelB), new SimulatorOptions(), gameServerHeaders);
        sim.CommandReceived += (command, first) =>
        {
            if (first && command.Kick is { } kick)
            {
                arrived.TryAdd(kick.PlayerId, Stopwatch.GetTimestamp());
            }
        };
        var welcomed = new TaskCompletionSource();
        sim.Welcomed += _ => welcomed.TrySetResult();
        using var stop = new CancellationTokenSource();
        var run = sim.RunAsync(stop.Token);
        await welcomed.Task;

        var latencies = new List<double>(samples);
        var calls = new List<double>(samples);
        for (var i = 1; i <= samples; i++)
        {
            var player = $"ban-{i}";
            var sent = Stopwatch.GetTimestamp();
            await gm.IssueSanctionAsync(new IssueSanctionRequest
            {
                PlayerId = player,
                Kind = SanctionKind.Ban,
                Scope = new SanctionScope { GameServerId = GameServer },
                End = new SanctionEnd { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) },
                ReasonCode = "cheating",
                Reason = "benchmark",
                OverrideReason = "benchmark",
            }, gmHeaders);
            calls.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            var wait = Stopwatch.StartNew();
            long at;
            while (!arrived.TryGetValue(player, out at) && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(1);
            }
            if (arrived.TryGetValue(player, out at))
            {
                latencies.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
            }
        }
        await stop.CancelAsync();
        await run;
        Console.WriteLine($"- ban → kick: {label}, {latencies.Count} of {samples} bans: " +
                          $"**p50 {Percentile(latencies, 50):0.00} ms, p99 {Percentile(latencies, 99):0.00} ms**, max {latencies.DefaultIfEmpty().Max():0.00} ms " +
                          $"(of which the IssueSanction call itself: p50 {Percentile(calls, 50):0.00} ms, p99 {Percentile(calls, 99):0.00} ms)");
        return (latencies, calls);
    }

    internal static void PrintMachine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) : null;
        Console.WriteLine("## Machine");
        Console.WriteLine($"- nproc: {Environment.ProcessorCount}");
        Console.WriteLine($"- CPU: {cpu ?? "unknown"}");
        Console.WriteLine($"- memory: {mem?.Split(':', 2)[1].Trim() ?? "unknown"}");
        Console.WriteLine($"- runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, server GC {System.Runtime.GCSettings.IsServerGC}");
    }

    internal sealed class Replica(WebApplication app, string address) : IAsyncDisposable
    {
        public WebApplication App { get; } = app;
        public string Address { get; } = address;
        public IServiceProvider Services => App.Services;

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    internal static async Task<string> CreateDatabaseAsync(string admin)
    {
        var name = $"gmtools_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    internal static async Task<Replica> StartReplicaAsync(string database, string redis, string replicaId, bool migrate, string redisPrefix = "bench:")
    {
        var port = FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["ConnectionStrings:Redis"] = redis,
            ["GmTools:Redis:KeyPrefix"] = redisPrefix,
            ["GmTools:Jwt:SigningKey"] = "bench-signing-key-0123456789-0123456789-abcdef",
            ["GmTools:Jwt:Issuer"] = "gmtools",
            ["GmTools:Jwt:Audience"] = "gmtools",
            ["GmTools:Database:MigrateOnStart"] = migrate ? "true" : "false",
            ["GmTools:Quartz:Enabled"] = "false",
            ["GmTools:RateLimits:GameServerPerSecond"] = "10000000",
            ["GmTools:RateLimits:GameServerBurst"] = "10000000",
            ["GmTools:GameLink:ReplicaId"] = replicaId,
            // The ban → kick figure issues hundreds of bans as one GM; the guard rail and staff rate limit would stop it.
            ["GmTools:Sanctions:GuardRailPlayersPerMinute"] = "100000",
            ["GmTools:RateLimits:StaffPerSecond"] = "100000",
            ["GmTools:RateLimits:StaffBurst"] = "100000",
            ["GmTools:GameLink:MaxBatch"] = "1000",
            ["GmTools:GameLink:MaxInFlight"] = "20000",
            ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = GmToolsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        });
        await app.StartAsync();
        return new Replica(app, $"http://127.0.0.1:{port}");
    }

    internal static async Task<string> RegisterAsync(Replica a)
    {
        await using var scope = a.Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<GameServerRegistry>().RegisterAsync(GameServer, "Bench", "bench", "benchmark", CancellationToken.None);
        return $"GameServer {issued.Credential}";
    }

    internal static GrpcChannel Channel(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    });

    private static async Task EchoBaselineAsync(GrpcChannel channel, Metadata headers)
    {
        var client = new DiagnosticsService.DiagnosticsServiceClient(channel);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[64]) };
        for (var i = 0; i < 500; i++)
        {
            await client.EchoAsync(request, headers);
        }
        var latencies = new List<double>(2000);
        for (var i = 0; i < 2000; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await client.EchoAsync(request, headers);
            latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        Console.WriteLine($"- echo RPC, one at a time: p50 {Percentile(latencies, 50):0.00} ms, p99 {Percentile(latencies, 99):0.00} ms");

        foreach (var concurrency in new[] { 8, 64 })
        {
            var count = 0L;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.EchoAsync(request, headers);
                    Interlocked.Increment(ref count);
                }
            }));
            Console.WriteLine($"- echo RPC, {concurrency} concurrent: {count / watch.Elapsed.TotalSeconds:0} calls/s");
        }
    }

    private static async Task PostgresBaselineAsync(string database)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea)"))
        {
            await create.ExecuteNonQueryAsync();
        }
        var latencies = new List<double>(1000);
        for (var i = 0; i < 1000; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await using var insert = dataSource.CreateCommand("INSERT INTO bench_baseline (body) VALUES ($1)");
            insert.Parameters.AddWithValue(new byte[32]);
            await insert.ExecuteNonQueryAsync();
            latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        Console.WriteLine($"- PostgreSQL single-row INSERT (autocommit): p50 {Percentile(latencies, 50):0.00} ms, p99 {Percentile(latencies, 99):0.00} ms");
    }

    private static async Task ThroughputAsync(Replica a, GrpcChannel channelB, Metadata headers, int commands, bool drainOnly)
    {
        // Backlog drain: the backlog is written in bulk (the enqueue path is measured by the live run below), then the
        // game server connects and the clock runs until PostgreSQL shows every command acknowledged.
        var body = new GameCommand { Kick = new KickPlayer { PlayerId = "p1", Reason = "bench" } }.ToByteArray();
        await using (var fill = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO gamelink_outbox (game_server_id, kind, body, created_at, attempts)
            SELECT $1, 'kick', $2, now(), 0 FROM generate_series(1, $3)
            """))
        {
            fill.Parameters.AddWithValue(GameServer);
            fill.Parameters.AddWithValue(body);
            fill.Parameters.AddWithValue(commands);
            await fill.ExecuteNonQueryAsync();
        }

        var sim = new SimulatedGameServer(GameServer, new GameLinkService.GameLinkServiceClient(channelB), new SimulatorOptions(), headers);
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var run = sim.RunAsync(stop.Token);
        await WaitSettledAsync(a, commands);
        var drained = watch.Elapsed;
        Console.WriteLine($"- **backlog of {commands:N0} delivered + applied + acknowledged (in PostgreSQL) to one game server on replica B: " +
                          $"{commands / drained.TotalSeconds:0} commands/s** ({drained.TotalSeconds:0.00} s; duplicates {sim.Duplicates}, in order {IsOrdered(sim.AppliedOrder())})");

        // Live: the game server connected while commands are enqueued on the other replica as fast as possible.
        if (drainOnly)
        {
            await stop.CancelAsync();
            await run;
            return;
        }
        var before = sim.Applied;
        var live = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = 0; i < commands / 20 / 500; i++)
            {
                await EnqueueAsync(a, 500, null);
            }
        });
        await Task.WhenAll(writers);
        var enqueued = (commands / 20 / 500) * 500 * 4;
        await WaitSettledAsync(a, commands + enqueued);
        Console.WriteLine($"- live: {enqueued:N0} commands enqueued through A's DbContext by 4 writers (500 per transaction; one game server, so the " +
                          $"writers take turns on its ordering lock) while the game server on B applies them: " +
                          $"{enqueued / live.Elapsed.TotalSeconds:0} commands/s end to end (applied {sim.Applied - before}, duplicates {sim.Duplicates})");
        await stop.CancelAsync();
        await run;
    }

    private static async Task LatencyAsync(Replica a, GrpcChannel channel, Metadata headers, int samples, int rate, string label)
    {
        var latencies = new ConcurrentBag<double>();
        var sim = new SimulatedGameServer(GameServer, new GameLinkService.GameLinkServiceClient(channel), new SimulatorOptions(), headers);
        sim.CommandReceived += (command, first) =>
        {
            if (first && command.Kick?.Reason is { } sent && long.TryParse(sent, CultureInfo.InvariantCulture, out var ts))
            {
                latencies.Add(Stopwatch.GetElapsedTime(ts).TotalMilliseconds);
            }
        };
        var welcomed = new TaskCompletionSource();
        sim.Welcomed += _ => welcomed.TrySetResult();
        using var stop = new CancellationTokenSource();
        var run = sim.RunAsync(stop.Token);
        await welcomed.Task;
        await Task.Delay(500);

        var commits = new List<double>(samples);
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < samples; i++)
        {
            var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }
            var sent = Stopwatch.GetTimestamp();
            await EnqueueAsync(a, 1, sent.ToString(CultureInfo.InvariantCulture));
            commits.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }
        var deadline = Stopwatch.StartNew();
        while (latencies.Count < samples && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await run;
        var list = latencies.ToList();
        Console.WriteLine($"- enqueue (SaveChanges + commit) → receipt, {label}, {list.Count} samples at {rate}/s: " +
                          $"**p50 {Percentile(list, 50):0.00} ms, p99 {Percentile(list, 99):0.00} ms**, max {list.DefaultIfEmpty().Max():0.00} ms " +
                          $"(of which the enqueuing SaveChanges + commit alone: p50 {Percentile(commits, 50):0.00} ms, p99 {Percentile(commits, 99):0.00} ms)");
    }

    private static async Task EnqueueAsync(Replica replica, int count, string? reason)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<CommandOutbox>();
        for (var i = 0; i < count; i++)
        {
            outbox.Enqueue(db, GameServer, new GameCommand { Kick = new KickPlayer { PlayerId = $"p{i}", Reason = reason ?? "bench" } });
        }
        await db.SaveChangesAsync();
    }

    private static async Task WaitSettledAsync(Replica replica, int total)
    {
        var dataSource = replica.Services.GetRequiredService<NpgsqlDataSource>();
        while (true)
        {
            await using var cmd = dataSource.CreateCommand("SELECT count(*) FROM gamelink_outbox WHERE outcome IS NOT NULL");
            if ((long)(await cmd.ExecuteScalarAsync())! >= total)
            {
                return;
            }
            await Task.Delay(20);
        }
    }

    private static bool IsOrdered(long[] ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] < ids[i - 1])
            {
                return false;
            }
        }
        return true;
    }

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
