using System.Diagnostics;
using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace GmTools.Bench;

/// <summary>
/// Anomaly intake (issue #19): game-server callers send ReportAnomalies batches (100 reports of random players) as
/// fast as they can through one replica; every report is stored (one multi-row insert), audited (one record per
/// batch), counted in the Redis windows, and the players whose windows reach the kind's threshold are decided in
/// PostgreSQL (cases open during the run). Next to the same run's echo RPC (same callers) and `pgbench -N`.
/// </summary>
public static class AnomalyIntakeBench
{
    public sealed record Settings(string Postgres, string Redis, string Pgbench, int Seconds, int Callers, int Batch, int Players, int Threshold);

    public static async Task<int> RunAsync(Settings settings)
    {
        var (postgres, redis, pgbench, seconds, callers) = (settings.Postgres, settings.Redis, settings.Pgbench, settings.Seconds, settings.Callers);
        var (batch, players, threshold) = (settings.Batch, settings.Players, settings.Threshold);
        GameLinkBench.PrintMachine();
        Console.WriteLine($"- load average at start: {WritePathBench.LoadAverage()}");
        var database = await GameLinkBench.CreateDatabaseAsync(postgres);
        await using var a = await GameLinkBench.StartReplicaAsync(database, redis, "replica-a", migrate: true);
        var credential = await GameLinkBench.RegisterAsync(a);
        await using (var seed = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT 'a' || i, 'acc-a' || i, @gs, 'Runner' || i, 10, 0, 0, '', true, 1, now() FROM generate_series(1, @n) i
            """))
        {
            seed.Parameters.AddWithValue("gs", GameLinkBench.GameServer);
            seed.Parameters.AddWithValue("n", players);
            await seed.ExecuteNonQueryAsync();
        }
        using var channel = GameLinkBench.Channel(a.Address);
        var admin = new Metadata { { "authorization", "Bearer " + a.Services.GetRequiredService<StaffTokenIssuer>().Issue("bench.admin", [GmTools.Server.Security.Role.Admin]) } };
        await new AnomalyService.AnomalyServiceClient(channel).PutAnomalyKindAsync(new PutAnomalyKindRequest
        {
            Kind = new AnomalyKindSpec
            {
                Name = "speed_hack", DisplayName = "Speed hack", DefaultSeverity = AnomalySeverity.Medium, Active = true,
                Thresholds = { new AnomalyThreshold { Count = threshold, Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase } },
            },
            Note = "bench",
        }, admin);
        var headers = new Metadata { { "authorization", credential } };

        var pgbenchDb = new NpgsqlConnectionStringBuilder(database).Database + "_pgbench";
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {pgbenchDb}", connection);
            await create.ExecuteNonQueryAsync();
        }
        await WritePathBench.PgbenchAsync(pgbench, postgres, pgbenchDb, ["-i", "-q", "-s", "16"]);

        Console.WriteLine();
        Console.WriteLine($"## Anomaly intake (ReportAnomalies, batches of {batch}, {callers} game-server callers on one replica, {seconds} s)");
        await LoadAsync(channel, headers, callers, batch, players, Math.Min(3, seconds), "warm-up");
        var echo = await EchoAsync(channel, headers, callers, seconds);
        Console.WriteLine($"- echo RPC, {callers} concurrent (same run, same channel): **{echo:0} calls/s**; load average {WritePathBench.LoadAverage()}");
        var tps = await WritePathBench.PgbenchTpsAsync(pgbench, postgres, pgbenchDb, callers, seconds);
        Console.WriteLine($"- `pgbench -N -c {callers} -j 2 -T {seconds}` (same PostgreSQL): **{tps:0} TPS**; load average {WritePathBench.LoadAverage()}");
        await using var redisAdmin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var cpu = new CpuMeter(a.Services.GetRequiredService<NpgsqlDataSource>(), redisAdmin);
        await cpu.StartAsync();
        var measured = await LoadAsync(channel, headers, callers, batch, players, seconds, "measured");
        Console.WriteLine($"- {await cpu.StopAsync(measured)}");
        await using var cases = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT (SELECT count(*) FROM anomaly_reports), (SELECT count(*) FROM anomaly_cases), (SELECT count(*) FROM audit_records WHERE action = 'anomaly.report')");
        await using var reader = await cases.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"- stored over the whole run: {reader.GetInt64(0):N0} reports, {reader.GetInt64(1):N0} cases opened by the threshold ({threshold} within 10 min), {reader.GetInt64(2):N0} audit records (one per batch)");
        return 0;
    }

    private static async Task<long> LoadAsync(Grpc.Net.Client.GrpcChannel channel, Metadata headers, int callers, int batch, int players, int seconds, string what)
    {
        var client = new AnomalyService.AnomalyServiceClient(channel);
        var latencies = new Latencies($"ReportAnomalies x{batch}");
        var gate = new object();
        long accepted = 0, errors = 0, degraded = 0, opened = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var run = Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var random = new Random(caller);
            var n = 0L;
            while (!stop.IsCancellationRequested)
            {
                var request = new ReportAnomaliesRequest { GameServerId = GameLinkBench.GameServer };
                var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
                for (var i = 0; i < batch; i++)
                {
                    request.Reports.Add(new AnomalyReportIn
                    {
                        ReportId = $"{run}-{caller}-{n++}",
                        PlayerId = "a" + random.Next(1, players + 1).ToString(CultureInfo.InvariantCulture),
                        Kind = "speed_hack",
                        OccurredAt = now,
                        EvidenceJson = """{"speed":31.5,"allowed":12,"zone":"m-104"}""",
                    });
                }
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var response = await client.ReportAnomaliesAsync(request, headers);
                    lock (gate)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(start));
                    }
                    Interlocked.Add(ref accepted, response.Accepted);
                    Interlocked.Add(ref opened, response.CasesOpened);
                    if (response.Degraded)
                    {
                        Interlocked.Increment(ref degraded);
                    }
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var rate = accepted / watch.Elapsed.TotalSeconds;
        Console.WriteLine($"- {what}: **{rate:0} reports/s accepted and aggregated** (target ≥ 20,000), batch p50 {latencies.Percentile(50):0.0} ms, " +
                          $"p99 {latencies.Percentile(99):0.0} ms, errors {errors}, degraded batches {degraded}, cases opened {opened}; load average {WritePathBench.LoadAverage()}");
        return accepted;
    }

    private static async Task<double> EchoAsync(Grpc.Net.Client.GrpcChannel channel, Metadata headers, int callers, int seconds)
    {
        var client = new DiagnosticsService.DiagnosticsServiceClient(channel);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[64]) };
        var count = 0L;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                await client.EchoAsync(request, headers);
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// CPU spent while the measured run lasts, per report: this process (the replica and its callers), the PostgreSQL
    /// server (the postmaster of the bench's data directory and its children) and Redis (INFO cpu).
    /// </summary>
    internal sealed class CpuMeter(NpgsqlDataSource postgres, StackExchange.Redis.IConnectionMultiplexer redis)
    {
        private TimeSpan _self, _pg, _redis;
        private readonly Stopwatch _wall = new();

        public async Task StartAsync()
        {
            (_self, _pg, _redis) = (Process.GetCurrentProcess().TotalProcessorTime, await PostgresAsync(), await RedisAsync());
            _wall.Restart();
        }

        public async Task<string> StopAsync(long reports, string unit = "report")
        {
            var (self, pg, rd) = (Process.GetCurrentProcess().TotalProcessorTime - _self, await PostgresAsync() - _pg, await RedisAsync() - _redis);
            var wall = _wall.Elapsed.TotalSeconds;
            string Per(TimeSpan t) => reports == 0 ? "n/a" : $"{t.TotalMicroseconds / reports:0.0} µs/{unit} ({t.TotalSeconds / wall:0.00} cores)";
            return $"CPU while measured: this process (replica + callers) {Per(self)}, PostgreSQL {Per(pg)}, Redis {Per(rd)}; load average {WritePathBench.LoadAverage()}";
        }

        private async Task<TimeSpan> PostgresAsync()
        {
            try
            {
                await using var cmd = postgres.CreateCommand("SHOW data_directory");
                var dir = (string)(await cmd.ExecuteScalarAsync())!;
                var postmaster = int.Parse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
                long ticks = 0;
                foreach (var stat in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).Select(d => Path.Combine(d, "stat")))
                {
                    string text;
                    try
                    {
                        text = File.ReadAllText(stat);
                    }
                    catch (IOException)
                    {
                        continue;
                    }
                    catch (UnauthorizedAccessException)
                    {
                        continue;
                    }
                    // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17)
                    var pid = int.Parse(text[..text.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
                    var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    var ppid = int.Parse(f[1], CultureInfo.InvariantCulture);
                    if (pid == postmaster || ppid == postmaster)
                    {
                        ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
                    }
                    if (pid == postmaster)
                    {
                        ticks += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
                    }
                }
                return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or NpgsqlException)
            {
                return TimeSpan.Zero;
            }
        }

        private async Task<TimeSpan> RedisAsync()
        {
            var info = await redis.GetDatabase().ExecuteAsync("INFO", "cpu");
            double seconds = 0;
            foreach (var line in info.ToString().Split('\n'))
            {
                if (line.StartsWith("used_cpu_sys:", StringComparison.Ordinal) || line.StartsWith("used_cpu_user:", StringComparison.Ordinal))
                {
                    seconds += double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
            return TimeSpan.FromSeconds(seconds);
        }
    }
}
