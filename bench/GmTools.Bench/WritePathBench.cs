using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace GmTools.Bench;

/// <summary>
/// The write and delivery path (issue #12), against one replica on a real socket, durable PostgreSQL and Redis:
/// audited mutes (16 callers on one game server, the same over 10 servers, one caller) next to `pgbench -N` in the
/// same run; the audit chain's unlinked window; then 2,000 idle GameLink streams held by a separate client process
/// (server CPU and PostgreSQL transactions per second), and ban → kick while they are held.
/// </summary>
public static partial class WritePathBench
{
    private const int MuteServers = 10;

    /// <param name="Only">"all", "mutes" or "idle".</param>
    /// <param name="Trace">Also print which PostgreSQL commands one mute sends.</param>
    public sealed record Settings(string Postgres, string Redis, string Pgbench, int Seconds, int Callers, int Streams, int IdleSeconds, int Bans, string Only, bool Trace);

    public static async Task<int> RunAsync(Settings settings)
    {
        var (postgres, redis, pgbench, seconds, callers) = (settings.Postgres, settings.Redis, settings.Pgbench, settings.Seconds, settings.Callers);
        var (streams, idleSeconds, bans, only) = (settings.Streams, settings.IdleSeconds, settings.Bans, settings.Only);
        GameLinkBench.PrintMachine();
        Console.WriteLine($"- load average at start: {LoadAverage()}");
        var database = await GameLinkBench.CreateDatabaseAsync(postgres);
        await using var a = await GameLinkBench.StartReplicaAsync(database, redis, "replica-a", migrate: true);

        if (only is "all" or "mutes")
        {
            await MutesAsync(a, postgres, database, redis, pgbench, seconds, callers, settings.Trace);
        }
        if (only is "all" or "idle")
        {
            await IdleStreamsAsync(a, database, streams, idleSeconds, bans);
        }
        return 0;
    }

    // ---------------------------------------------------------------- audited mutes vs pgbench -N

    private static async Task MutesAsync(GameLinkBench.Replica a, string admin, string database, string redis, string pgbench, int seconds, int callers, bool trace)
    {
        var perServer = Math.Max(20_000, seconds * 3_000);
        await using (var scope = a.Services.CreateAsyncScope())
        {
            var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
            for (var s = 0; s < MuteServers; s++)
            {
                await registry.RegisterAsync($"mute-{s}", $"Mute {s}", "bench", "benchmark", CancellationToken.None);
            }
        }
        await using (var seed = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT 'm' || s || '-' || i, 'acc-m' || s || '-' || i, 'mute-' || s, 'Talker' || s || '_' || i, 10, 0, 0, '', true, 1, now()
            FROM generate_series(0, @servers - 1) s, generate_series(1, @n) i
            """))
        {
            seed.Parameters.AddWithValue("servers", MuteServers);
            seed.Parameters.AddWithValue("n", perServer);
            seed.CommandTimeout = 600;
            await seed.ExecuteNonQueryAsync();
        }
        await using (var analyze = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("VACUUM ANALYZE"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var pgbenchDb = new NpgsqlConnectionStringBuilder(database).Database + "_pgbench";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {pgbenchDb}", connection);
            await create.ExecuteNonQueryAsync();
        }
        await PgbenchAsync(pgbench, admin, pgbenchDb, ["-i", "-q", "-s", "16"]);

        Console.WriteLine();
        Console.WriteLine($"## Audited mutes (IssueSanction over gRPC: validation, sanction row, mute command in the outbox, audit record, one durable commit), {seconds} s each");
        var issuer = a.Services.GetRequiredService<StaffTokenIssuer>();
        using var channel = GameLinkBench.Channel(a.Address);
        var next = new long[MuteServers];
        await using var redisAdmin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var services = new ServiceCpu(a.Services.GetRequiredService<NpgsqlDataSource>(), redisAdmin);

        // Warm-up (JIT, pools, caches), not reported.
        await MuteLoadAsync(channel, issuer, services, next, callers, MuteServers, Math.Min(5, seconds), trace: false);
        var tpsBefore = await PgbenchTpsAsync(pgbench, admin, pgbenchDb, callers, seconds);
        Console.WriteLine($"- `pgbench -N -c {callers} -j 2 -T {seconds}` (same PostgreSQL, before): **{tpsBefore:0} TPS**; load average {LoadAverage()}");
        var one = await MuteLoadAsync(channel, issuer, services, next, 1, 1, seconds, trace);
        Console.WriteLine($"- 1 caller, one game server: **{one.Rate:0} mutes/s**, p50 {one.P50:0.0} ms, p99 {one.P99:0.0} ms; {one.Cost}; load average {LoadAverage()}");
        var sixteen = await MuteLoadAsync(channel, issuer, services, next, callers, 1, seconds, trace);
        Console.WriteLine($"- {callers} callers, one game server: **{sixteen.Rate:0} mutes/s**, p50 {sixteen.P50:0.0} ms, p99 {sixteen.P99:0.0} ms, errors {sixteen.Errors}; {sixteen.Cost}; load average {LoadAverage()}");
        var spread = await MuteLoadAsync(channel, issuer, services, next, callers, MuteServers, seconds, trace);
        Console.WriteLine($"- {callers} callers over {MuteServers} game servers: **{spread.Rate:0} mutes/s**, p50 {spread.P50:0.0} ms, p99 {spread.P99:0.0} ms, errors {spread.Errors}; {spread.Cost}; load average {LoadAverage()}");
        var tpsAfter = await PgbenchTpsAsync(pgbench, admin, pgbenchDb, callers, seconds);
        Console.WriteLine($"- `pgbench -N -c {callers} -j 2 -T {seconds}` (after): **{tpsAfter:0} TPS**; load average {LoadAverage()}");
        var baseline = (tpsBefore + tpsAfter) / 2;
        Console.WriteLine($"- ratios against the mean pgbench -N ({baseline:0} TPS): {callers} callers one server **{100 * sixteen.Rate / baseline:0.0} %** (target ≥ 20 %), " +
                          $"{callers} over {MuteServers} servers **{100 * spread.Rate / baseline:0.0} %** (target ≥ 30 %); {callers} callers vs one caller **{sixteen.Rate / one.Rate:0.0}×** (target ≥ 4×)");

        await using var window = a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE sequence IS NULL),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM chained_at - occurred_at)) * 1000,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM chained_at - occurred_at)) * 1000,
                   max(extract(epoch FROM chained_at - occurred_at)) * 1000
            FROM audit_records WHERE action = 'sanction.issue'
            """);
        await using var reader = await window.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"- audit chain, unlinked window (written → linked by the chainer, over the {reader.GetInt64(0):N0} mute records of these runs; " +
                          $"{reader.GetInt64(1)} still unlinked at the end): **p50 {reader.GetDouble(2):0.0} ms, p99 {reader.GetDouble(3):0.0} ms**, max {Convert.ToDouble(reader.GetValue(4), CultureInfo.InvariantCulture):0.0} ms");
    }

    private sealed record MuteRun(double Rate, double P50, double P99, long Errors, double CpuMsPerMute, double PostgresMsPerMute, double RedisMsPerMute, double StatementsPerMute)
    {
        public string Cost => $"CPU per mute: this process (server + callers) {CpuMsPerMute:0.00} ms, PostgreSQL {PostgresMsPerMute:0.00} ms, Redis {RedisMsPerMute:0.00} ms; " +
                              $"{StatementsPerMute:0.0} PostgreSQL commands per mute";
    }

    /// <summary>
    /// Callers mute distinct players as fast as they can. Each caller rotates over its own 200 GM identities: the
    /// per-GM guard rail (a lock per issuer and a count of that GM's last minute) is meant for a human's pace, and a
    /// single identity muting a hundred players a second would measure the guard rail, not the write path.
    /// </summary>
    private static async Task<MuteRun> MuteLoadAsync(GrpcChannel channel, StaffTokenIssuer issuer, ServiceCpu services, long[] next, int callers, int servers, int seconds, bool trace)
    {
        var client = new SanctionService.SanctionServiceClient(channel);
        var latencies = new ConcurrentBag<double>();
        long errors = 0, done = 0, statements = 0;
        // --trace: print which commands a mute sends.
        var texts = trace ? new ConcurrentDictionary<string, long>() : null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                Interlocked.Increment(ref statements);
                if (texts is not null)
                {
                    var text = activity.GetTagItem("db.query.text") as string ?? activity.DisplayName;
                    texts.AddOrUpdate(text.Length > 100 ? text[..100] : text, 1, (_, c) => c + 1);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var (pgBefore, redisBefore) = (await services.PostgresAsync(), await services.RedisAsync());
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var headers = Enumerable.Range(0, 200)
                .Select(g => new Metadata { { "authorization", "Bearer " + issuer.Issue($"bench.gm-{c}-{g}", [GmTools.Server.Security.Role.Gm]) } }).ToArray();
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var server = c % servers;
                var player = $"m{server}-{Interlocked.Increment(ref next[server])}";
                var t = Stopwatch.GetTimestamp();
                try
                {
                    await client.IssueSanctionAsync(new IssueSanctionRequest
                    {
                        PlayerId = player,
                        Kind = SanctionKind.Mute,
                        Scope = new SanctionScope { GameServerId = $"mute-{server}" },
                        ReasonCode = "chat_abuse",
                        Reason = "benchmark",
                    }, headers[n++ % headers.Length]);
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    Interlocked.Increment(ref done);
                }
                catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"mute failed: {e.Status}");
                    }
                }
            }
        })));
        var list = latencies.ToList();
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        var (pg, rd) = ((await services.PostgresAsync() - pgBefore).TotalMilliseconds, (await services.RedisAsync() - redisBefore).TotalMilliseconds);
        var n = Math.Max(1, done);
        foreach (var (text, count) in texts?.OrderByDescending(t => t.Value).Take(25) ?? [])
        {
            Console.WriteLine($"    {(double)count / n,6:0.00} per mute  {text.ReplaceLineEndings(" ")}");
        }
        return new MuteRun(done / watch.Elapsed.TotalSeconds, GameLinkBench.Percentile(list, 50), GameLinkBench.Percentile(list, 99), errors,
            cpu / n, pg / n, rd / n, (double)Interlocked.Read(ref statements) / n);
    }

    /// <summary>
    /// CPU used so far by the bench's PostgreSQL (the postmaster of its data directory, its live children, and the
    /// children it has reaped) and Redis (INFO cpu): the other two thirds of what a mute costs on a shared machine.
    /// </summary>
    private sealed class ServiceCpu(NpgsqlDataSource postgres, StackExchange.Redis.IConnectionMultiplexer redis)
    {
        private int _postmaster;

        public async Task<TimeSpan> PostgresAsync()
        {
            if (_postmaster == 0)
            {
                await using var cmd = postgres.CreateCommand("SHOW data_directory");
                var dir = (string)(await cmd.ExecuteScalarAsync())!;
                _postmaster = int.Parse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            }
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!Path.GetFileName(dir).All(char.IsAsciiDigit))
                {
                    continue;
                }
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // ended while listed
                }
                // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17), in clock ticks
                var pid = int.Parse(text[..text.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
                var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (pid == _postmaster || int.Parse(f[1], CultureInfo.InvariantCulture) == _postmaster)
                {
                    ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
                }
                if (pid == _postmaster)
                {
                    ticks += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
                }
            }
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
        }

        public async Task<TimeSpan> RedisAsync()
        {
            var info = (await redis.GetDatabase().ExecuteAsync("INFO", "cpu")).ToString();
            double seconds = 0;
            foreach (var line in info.Split('\n'))
            {
                if (line.StartsWith("used_cpu_sys:", StringComparison.Ordinal) || line.StartsWith("used_cpu_user:", StringComparison.Ordinal))
                {
                    seconds += double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
            return TimeSpan.FromSeconds(seconds);
        }
    }

    internal static async Task<double> PgbenchTpsAsync(string pgbench, string admin, string db, int clients, int seconds)
    {
        var output = await PgbenchAsync(pgbench, admin, db, ["-N", "-n", "-c", $"{clients}", "-j", "2", "-T", $"{seconds}"]);
        var match = TpsLine().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("pgbench printed no tps: " + output);
    }

    internal static async Task<string> PgbenchAsync(string pgbench, string admin, string db, string[] args)
    {
        var cs = new NpgsqlConnectionStringBuilder(admin);
        var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-h", cs.Host!, "-p", $"{cs.Port}", "-U", cs.Username ?? "postgres", .. args, db])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench failed: {await stderr}");
        }
        return await stdout + await stderr;
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsLine();

    // ---------------------------------------------------------------- idle streams and ban → kick

    private static async Task IdleStreamsAsync(GameLinkBench.Replica a, string database, int streams, int idleSeconds, int bans)
    {
        var credentials = Path.Combine(Path.GetTempPath(), $"gmtools-idle-{Environment.ProcessId}.txt");
        await using (var scope = a.Services.CreateAsyncScope())
        {
            var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
            var lines = new List<string>(streams);
            for (var i = 0; i < streams; i++)
            {
                var gs = $"idle-{i:D5}";
                lines.Add($"{gs} GameServer {(await registry.RegisterAsync(gs, gs, "bench", "benchmark", CancellationToken.None)).Credential}");
            }
            await File.WriteAllLinesAsync(credentials, lines);
        }
        var banCredential = await GameLinkBench.RegisterAsync(a);

        Console.WriteLine();
        Console.WriteLine($"## {streams:N0} idle GameLink streams on one replica (clients in a separate process, heartbeat 5 s, sweep 5 s)");
        using var clients = StartClients(a.Address, credentials);
        var hub = a.Services.GetRequiredService<GameLinkHub>();
        var wait = Stopwatch.StartNew();
        while (hub.StreamCount < streams && wait.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(200);
        }
        Console.WriteLine($"- {hub.StreamCount:N0} streams open after {wait.Elapsed.TotalSeconds:0.0} s");
        // Let the first reads and the connect burst settle; backends report their counts to pg_stat_database up to
        // 10 s late, so wait past that before the first reading.
        await Task.Delay(TimeSpan.FromSeconds(25));

        var statements = 0L;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = _ => Interlocked.Increment(ref statements),
        };
        ActivitySource.AddActivityListener(listener);
        var self = Process.GetCurrentProcess();
        self.Refresh();
        var cpuBefore = self.TotalProcessorTime;
        var xactsBefore = await XactsAsync(database);
        var elapsed = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        var sent = Interlocked.Read(ref statements);
        var xactsAfter = await XactsAsync(database);
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds / elapsed.Elapsed.TotalSeconds;
        var xactsPerSecond = (xactsAfter - xactsBefore) / elapsed.Elapsed.TotalSeconds;
        Console.WriteLine($"- over {idleSeconds} s idle: server process **{100 * cpu:0.0} % of one core**, PostgreSQL **{xactsPerSecond:0.0} transactions/s** " +
                          $"for this database (pg_stat_database xact_commit + xact_rollback; every statement outside a transaction counts once); " +
                          $"the server sent {sent / elapsed.Elapsed.TotalSeconds:0.0} commands/s (Npgsql, counted in process), " +
                          $"{hub.StreamCount:N0} streams still open; load average {LoadAverage()}");

        using var channel = GameLinkBench.Channel(a.Address);
        await GameLinkBench.BanToKickAsync(a, channel, channel, new Metadata { { "authorization", banCredential } }, bans,
            $"IssueSanction over gRPC → kick received by one more game server on the same replica, {streams:N0} idle streams held");
        Console.WriteLine($"- load average after: {LoadAverage()}");
        clients.Kill(entireProcessTree: true);
        File.Delete(credentials);
    }

    private static async Task<long> XactsAsync(string database)
    {
        // Read from another database of the cluster, so the reading itself is not counted.
        var name = new NpgsqlConnectionStringBuilder(database).Database;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        // Stats of other backends reach the shared counters within about a second of their transactions.
        await using var flush = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection);
        await flush.ExecuteNonQueryAsync();
        await using var cmd = new NpgsqlCommand("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = @db", connection);
        cmd.Parameters.AddWithValue("db", name!);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static Process StartClients(string address, string credentials)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(WritePathBench).Assembly.Location);
        }
        start.ArgumentList.Add("idle-clients");
        start.ArgumentList.Add(address);
        start.ArgumentList.Add(credentials);
        return Process.Start(start)!;
    }

    /// <summary>The client side: one simulated game server per credential line, each holding its stream.</summary>
    public static async Task<int> IdleClientsAsync(string address, string credentials)
    {
        var lines = await File.ReadAllLinesAsync(credentials);
        var channels = Enumerable.Range(0, 8).Select(_ => GameLinkBench.Channel(address)).ToArray();
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var runs = lines.Select((line, i) =>
        {
            var parts = line.Split(' ', 2);
            var sim = new GmTools.Simulator.SimulatedGameServer(parts[0], new GameLinkService.GameLinkServiceClient(channels[i % channels.Length]),
                new GmTools.Simulator.SimulatorOptions(), new Metadata { { "authorization", parts[1] } });
            return sim.RunAsync(stop.Token);
        }).ToList();
        await Task.WhenAll(runs);
        return 0;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
