using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;
using Npgsql;

namespace GmTools.Bench.Load;

/// <summary>
/// The load verb (issue #23): N simulated game servers (own credential, own HTTP/2 connection each) asking
/// CheckAccess, and M staff members muting players, over real gRPC against a GmTools replica on a loopback socket;
/// every path beside a baseline measured in the same run on the same host (a bare gRPC echo host before and after,
/// pgbench select-only and simple-update, redis-benchmark plain and -P 16, a raw binary COPY of grant-shaped rows).
/// Prints one table and writes it as Markdown, CSV and a PNG of the latency distributions.
/// </summary>
public static class LoadBench
{
    /// <param name="Database">An already migrated database to use instead of creating one (the smoke test's).</param>
    public sealed record Settings(string Postgres, string Redis, string Pgbench, string RedisBenchmark, LoadProfile Profile, string Out,
        string? Database = null, string RedisPrefix = "load:");

    public static async Task<int> RunAsync(Settings settings)
    {
        var report = await MeasureAsync(settings);
        await WriteAsync(report, settings.Out);
        Console.WriteLine();
        Console.Write(report.Console());
        Console.WriteLine($"written: {Path.Combine(settings.Out, "load.md")}, load.csv, load.png");
        return 0;
    }

    /// <summary>The table as load.md and load.csv beside the chart MeasureAsync drew.</summary>
    public static async Task WriteAsync(LoadReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "load.md"), report.Markdown());
        await File.WriteAllTextAsync(Path.Combine(folder, "load.csv"), report.Csv());
    }

    public static async Task<LoadReport> MeasureAsync(Settings settings)
    {
        var p = settings.Profile;
        var duration = TimeSpan.FromSeconds(p.Seconds);
        var warm = TimeSpan.FromSeconds(Math.Max(1, p.Seconds / 3));
        var report = new LoadReport($"Load, profile {p.Name}: {p.GameServers} game servers, {p.Callers} CheckAccess callers, {p.Staff} staff, {p.Seconds} s a path", Machine());
        Console.WriteLine(report.Title);
        Console.WriteLine(report.Machine);
        var charted = new List<(string, HistogramBase)>();
        var payload = ByteString.CopyFrom(new byte[16]);

        // The bare echo host, first of its two measurements.
        await using var bare = await BareEchoHost.StartAsync();
        var bareChannels = Channels(bare.Address, p.GameServers);
        var bareClients = bareChannels.Select(c => new DiagnosticsService.DiagnosticsServiceClient(c)).ToArray();
        Func<int, long, Task> bareEcho = async (w, _) => await bareClients[w % bareClients.Length].EchoAsync(new EchoRequest { Payload = payload });
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, bareEcho);
        var echoBefore = await LoadDrivers.ClosedLoopAsync(p.Callers, duration, bareEcho);
        Progress("bare echo (before)", echoBefore);

        var database = settings.Database ?? await GameLinkBench.CreateDatabaseAsync(settings.Postgres);
        await using var replica = await GameLinkBench.StartReplicaAsync(database, settings.Redis, "load-a", migrate: settings.Database is null, settings.RedisPrefix);
        var servers = await RegisterAsync(replica, p.GameServers);
        await SeedAsync(replica, p, MutePlayers(p));
        var channels = Channels(replica.Address, p.GameServers);
        var gates = channels.Select(c => new SanctionService.SanctionServiceClient(c)).ToArray();
        var echoes = channels.Select(c => new DiagnosticsService.DiagnosticsServiceClient(c)).ToArray();

        Func<int, long, Task> gmEcho = async (w, _) =>
            await echoes[w % p.GameServers].EchoAsync(new EchoRequest { Payload = payload }, servers[w % p.GameServers].Headers);
        // Player i belongs to game server i mod N, which asks about it over its own connection with its own credential.
        Func<int, long, Task> Check(int players) => async (w, n) =>
        {
            var i = (int)((n * 7919 + w * 104729L) % players);
            var s = i % p.GameServers;
            await gates[s].CheckAccessAsync(new CheckAccessRequest { PlayerId = $"lp{i}", GameServerId = servers[s].Id }, servers[s].Headers);
        };
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, gmEcho);
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, Check(p.Players));
        var gm = await LoadDrivers.ClosedLoopAsync(p.Callers, duration, gmEcho);
        Progress("GmTools echo", gm);
        var hot = await LoadDrivers.ClosedLoopAsync(p.Callers, duration, Check(p.HotPlayers));
        Progress("CheckAccess hot", hot);
        var wide = await LoadDrivers.ClosedLoopAsync(p.Callers, duration, Check(p.Players));
        Progress("CheckAccess wide", wide);
        var echoAfter = await LoadDrivers.ClosedLoopAsync(p.Callers, duration, bareEcho);
        Progress("bare echo (after)", echoAfter);
        var half = await LoadDrivers.OpenLoopAsync(wide.PerSecond / 2, p.Callers, duration, Check(p.Players));
        Progress("CheckAccess half rate", half);

        var echoRate = (echoBefore.PerSecond + echoAfter.PerSecond) / 2;
        var echoHistogram = LoadDrivers.Merge([echoBefore.Histogram, echoAfter.Histogram]);
        const string Echo = "bare gRPC echo, mean of before and after";
        report.Add(new LoadRow("bare gRPC echo (minimal host: no auth, database or cache)", echoRate, "calls/s", Latency: LatencySummary.Of(echoHistogram),
            Note: string.Create(CultureInfo.InvariantCulture, $"before {echoBefore.PerSecond:N0}, after {echoAfter.PerSecond:N0}")));
        report.Add(new LoadRow("GmTools Echo as a game server (auth, interceptors)", gm.PerSecond, "calls/s", Echo, echoRate, Latency: gm.Latency, Note: Errors(gm)));
        report.Add(new LoadRow($"CheckAccess, {p.HotPlayers:N0} hot players", hot.PerSecond, "calls/s", Echo, echoRate,
            new Target.ShareWithFloor(0.9, 20_000, echoRate), hot.Latency, Errors(hot)));
        report.Add(new LoadRow($"CheckAccess, {p.Players:N0} distinct players", wide.PerSecond, "calls/s", Echo, echoRate,
            new Target.ShareOfBaseline(0.9), wide.Latency, Errors(wide)));
        report.Add(new LoadRow(string.Create(CultureInfo.InvariantCulture, $"CheckAccess at half its peak ({wide.PerSecond / 2:N0}/s offered, open loop), p99"),
            half.Latency.P99Ms, "ms", Target: new Target.AtMost(5, "ms"), Latency: half.Latency,
            Note: string.Create(CultureInfo.InvariantCulture, $"{half.PerSecond:N0}/s answered; {Errors(half)}")));
        charted.AddRange([("bare echo", echoHistogram), ("GmTools echo", gm.Histogram), ("CheckAccess hot", hot.Histogram),
            ("CheckAccess distinct", wide.Histogram), ("CheckAccess half rate", half.Histogram)]);

        // Audited mutes by M staff members, between pgbench's simple-update before and after.
        var pgbenchDb = await Baselines.PgbenchDatabaseAsync(settings.Pgbench, settings.Postgres, new NpgsqlConnectionStringBuilder(database).Database + "_pgbench", p.PgbenchScale);
        var selectOnly = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-S", p.Staff, p.Seconds);
        var updateBefore = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-N", p.Staff, p.Seconds);
        var mutes = await MutesAsync(replica, channels, p, duration);
        Progress("mutes", mutes);
        var updateAfter = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-N", p.Staff, p.Seconds);
        var update = (updateBefore + updateAfter) / 2;
        report.Add(new LoadRow($"pgbench select-only (-S), {p.Staff} clients", selectOnly, "TPS"));
        report.Add(new LoadRow($"pgbench simple-update (-N), {p.Staff} clients", update, "TPS",
            Note: string.Create(CultureInfo.InvariantCulture, $"before {updateBefore:N0}, after {updateAfter:N0}")));
        report.Add(new LoadRow($"audited mute (IssueSanction), {p.Staff} staff", mutes.PerSecond, "mutes/s", "pgbench -N", update,
            new Target.ShareOfBaseline(0.2), mutes.Latency, Errors(mutes)));
        charted.Add(("audited mute", mutes.Histogram));

        var redisPlain = await Baselines.RedisGetsPerSecondAsync(settings.RedisBenchmark, settings.Redis, p.RedisRequests, 1);
        var redisPipelined = await Baselines.RedisGetsPerSecondAsync(settings.RedisBenchmark, settings.Redis, p.RedisRequests, 16);
        report.Add(new LoadRow("redis-benchmark GET, 50 clients, unpipelined", redisPlain, "ops/s", Note: "the round trip a CheckAccess miss pays"));
        report.Add(new LoadRow("redis-benchmark GET, 50 clients, -P 16", redisPipelined, "ops/s"));
        await ChatIngestLoad.AddAsync(replica, p, report, redisPipelined);
        var copy = await Baselines.CopyGrantRowsPerSecondAsync(database, p.CopyRows, p.GameServers);
        report.Add(new LoadRow($"raw binary COPY of {p.CopyRows:N0} grant-shaped rows (outbox copy with its indexes)", copy, "rows/s",
            Note: "frames the campaign expansion (bench/rewards-bench.sh; target ≥ 50 % of this)"));

        await NameSearchAsync(replica, channels[0], p, report, charted);

        report.Add(LoadRow.NotMeasured("compensation campaign, 1,000,000 recipients", "≤ 60 s and ≥ 50 % of the COPY row rate",
            "not in this command yet: bash bench/rewards-bench.sh (its own COPY baseline)"));
        report.Add(LoadRow.NotMeasured("ban on replica A → kick at a game server on replica B, p99", "≤ 50 ms", "not in this command yet: bash bench/gamelink.sh"));
        report.Add(LoadRow.NotMeasured("GameLink delivery to one game server", "≥ 20,000 acked commands/s", "not in this command yet: bash bench/gamelink.sh"));
        report.Add(LoadRow.NotMeasured("2,000 GameLink streams on one replica, RSS", "≤ 1 GiB", "not in this command yet: bash bench/write-path.sh --only idle"));

        foreach (var c in bareChannels.Concat(channels))
        {
            c.Dispose();
        }
        Directory.CreateDirectory(settings.Out);
        try
        {
            LoadChart.Save(Path.Combine(settings.Out, "load.png"), charted, report.Title);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            Console.Error.WriteLine($"no PNG: the chart library's native part is missing ({e.Message})");
        }
        Console.WriteLine($"load average at the end: {WritePathBench.LoadAverage()}");
        return report;
    }

    /// <summary>
    /// Name search: NamePlayers players replace the players table (binary COPY, indexes and typo index rebuilt, as
    /// the players verb does), then a staff viewer runs the fuzzy recall set through SearchPlayers (page 20).
    /// </summary>
    private static async Task NameSearchAsync(GameLinkBench.Replica replica, GrpcChannel channel, LoadProfile p, LoadReport report,
        List<(string, HistogramBase)> charted)
    {
        var dataSource = replica.Services.GetRequiredService<NpgsqlDataSource>();
        await PlayerSearchBench.SeedAsync(dataSource, p.NamePlayers);
        var viewer = new Metadata { { "authorization", "Bearer " + replica.Services.GetRequiredService<StaffTokenIssuer>().Issue("load.viewer", [GmTools.Server.Security.Role.Viewer]) } };
        var players = new PlayerService.PlayerServiceClient(channel);
        var run = await PlayerSearchBench.MeasureRecallAsync(dataSource, p.RecallTargets, async q =>
            (await players.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = q, PageSize = 20 }, viewer)).Players.Select(x => x.PlayerId).ToList());
        Console.WriteLine($"- fuzzy recall set: {run.Describe()}; load average {WritePathBench.LoadAverage()}");
        var name = $"fuzzy name search, {p.NamePlayers:N0} players (recall set, page 20)";
        var latency = LatencySummary.Of(run.Histogram);
        charted.Add(("fuzzy name search", run.Histogram));
        report.Add(new LoadRow($"{name}, p99", latency.P99Ms, "ms", Target: new Target.AtMost(20, "ms"), Latency: latency,
            Note: "target stated at 10,000,000 players (full profile); latency depends on load, recall does not"));
        report.Add(new LoadRow($"{name}, intended player on page 1, one typo", run.All.Percent(RecallTally.OneTypo), "%", Target: new Target.AtLeast(95, "%"),
            Note: string.Create(CultureInfo.InvariantCulture,
                $"{run.All.Count(RecallTally.OneTypo)} queries: same length {run.All.Percent(TypoKind.OneSameLength):F1} %, one longer {run.All.Percent(TypoKind.OneLonger):F1} %, one shorter {run.All.Percent(TypoKind.OneShorter):F1} %")));
        report.Add(new LoadRow($"{name}, intended player on page 1, two typos", run.All.Percent(TypoKind.Two), "%", Target: new Target.AtLeast(85, "%"),
            Note: $"{run.All.Count(TypoKind.Two)} queries (names of 6+ characters, one edit in each half)"));
    }

    private sealed record SimulatedServer(string Id, Metadata Headers);

    private static int MutePlayers(LoadProfile p) => Math.Max(2_000, p.Seconds * 3_000);

    private static async Task<SimulatedServer[]> RegisterAsync(GameLinkBench.Replica replica, int count)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
        var servers = new SimulatedServer[count];
        for (var s = 0; s < count; s++)
        {
            var id = $"load-{s}";
            var issued = await registry.RegisterAsync(id, id, "bench", "load", CancellationToken.None);
            servers[s] = new SimulatedServer(id, new Metadata { { "authorization", $"{GameServerCredential.Scheme} {issued.Credential}" } });
        }
        return servers;
    }

    /// <summary>Sanctions for the CheckAccess players (every tenth muted, every hundredth also banned) and players to mute.</summary>
    private static async Task SeedAsync(GameLinkBench.Replica replica, LoadProfile p, int mutePlayers)
    {
        await using var cmd = replica.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO sanctions (player_id, kind, scope_game_server_id, player_game_server_id, issued_at, ends_at, reason_code, reason,
                evidence_chat_line_ids, evidence_anomaly_report_ids, ticket_ref, issued_by, ladder_step, override_reason, lifted_as_wrongful)
            SELECT 'lp' || i, CASE WHEN i % 100 = 0 THEN 'ban' ELSE 'mute' END, 'load-' || (i % @servers), 'load-' || (i % @servers),
                now(), now() + interval '30 days', 'chat_abuse', 'load', '{}', '{}', '', 'load', 0, '', false
            FROM generate_series(0, @players - 1, 10) AS i;
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT 'lm' || i, 'acc-lm' || i, 'load-' || (i % @servers), 'Talker' || i, 10, 0, 0, '', true, 1, now()
            FROM generate_series(0, @mutes - 1) AS i;
            ANALYZE sanctions; ANALYZE players;
            """);
        cmd.Parameters.AddWithValue("servers", p.GameServers);
        cmd.Parameters.AddWithValue("players", p.Players);
        cmd.Parameters.AddWithValue("mutes", mutePlayers);
        cmd.CommandTimeout = 600;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Staff members mute distinct players as fast as answers come. Each rotates over 200 GM identities: the per-GM
    /// guard rail is meant for a human's pace, and one identity muting a hundred players a second would measure it.
    /// </summary>
    private static async Task<Measured> MutesAsync(GameLinkBench.Replica replica, GrpcChannel[] channels, LoadProfile p, TimeSpan duration)
    {
        var issuer = replica.Services.GetRequiredService<StaffTokenIssuer>();
        var headers = Enumerable.Range(0, p.Staff).Select(c => Enumerable.Range(0, 200)
            .Select(g => new Metadata { { "authorization", "Bearer " + issuer.Issue($"load.gm-{c}-{g}", [GmTools.Server.Security.Role.Gm]) } }).ToArray()).ToArray();
        var clients = channels.Select(c => new SanctionService.SanctionServiceClient(c)).ToArray();
        var next = -1L;
        var limit = MutePlayers(p);
        return await LoadDrivers.ClosedLoopAsync(p.Staff, duration, async (w, n) =>
        {
            // Sized so that a run does not come back round; if it does, a repeated mute's refusal counts as an error.
            var i = Interlocked.Increment(ref next) % limit;
            await clients[w % clients.Length].IssueSanctionAsync(new IssueSanctionRequest
            {
                PlayerId = $"lm{i}",
                Kind = SanctionKind.Mute,
                Scope = new SanctionScope { GameServerId = $"load-{i % p.GameServers}" },
                ReasonCode = "chat_abuse",
                Reason = "load",
            }, headers[w][n % 200]);
        });
    }

    private static GrpcChannel[] Channels(string address, int count) => Enumerable.Range(0, count).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        // One connection per simulated game server, as a game server process would hold it.
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    })).ToArray();

    private static string Errors(Measured m) => m.Errors == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{m.Errors:N0} errors");

    private static void Progress(string what, Measured m) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- {what}: {m.PerSecond:N0}/s, {m.Latency.Text}, errors {m.Errors}; load average {WritePathBench.LoadAverage()}"));

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"Machine: {Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), memory {mem ?? "unknown"}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; " +
            $"load average at start {WritePathBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    }
}
