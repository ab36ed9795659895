using System.Diagnostics;
using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Sanctions;
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
    /// <param name="AccessOnly">Only the echo baselines and the CheckAccess paths (for profiling them; the table says what was skipped).</param>
    public sealed record Settings(string Postgres, string Redis, string Pgbench, string RedisBenchmark, LoadProfile Profile, string Out,
        string? Database = null, string RedisPrefix = "load:", bool AccessOnly = false);

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

        // The bare echo host runs beside the replica for the whole CheckAccess part.
        await using var bare = await BareEchoHost.StartAsync();
        var bareChannels = Channels(bare.Address, p.GameServers);
        var bareClients = bareChannels.Select(c => new DiagnosticsService.DiagnosticsServiceClient(c)).ToArray();
        Func<int, long, Task> bareEcho = async (w, _) => await bareClients[w % bareClients.Length].EchoAsync(new EchoRequest { Payload = payload });

        var database = settings.Database ?? await GameLinkBench.CreateDatabaseAsync(settings.Postgres);
        await using var replica = await GameLinkBench.StartReplicaAsync(database, settings.Redis, "load-a", migrate: settings.Database is null, settings.RedisPrefix);
        var servers = await RegisterAsync(replica, p.GameServers);
        await SeedAsync(replica, p);
        ProcessCpu.StoreRoots = await StoreProcessesAsync(replica, settings.Redis);
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
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, bareEcho);
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, gmEcho);
        await LoadDrivers.ClosedLoopAsync(p.Callers, warm, Check(p.Players));

        // Interleaved slices (as the sanctions verb does): on a shared machine, and even on a quiet one, the rate moves
        // within a run (the bare echo measured before and after the paths differed by 16 % on 2026-12-03), and run one
        // after the other each path would be charged with whatever drift its turn met. Each round runs every path once,
        // in a rotated order, so each sees the same neighbours, heap and clock.
        (string Name, Func<int, long, Task> Call)[] paths =
            [("bare echo", bareEcho), ("GmTools echo", gmEcho), ("CheckAccess hot", Check(p.HotPlayers)), ("CheckAccess wide", Check(p.Players))];
        var rounds = Math.Max(1, p.Seconds / SliceSeconds);
        var slice = duration / rounds;
        var slices = paths.Select(_ => new List<Measured>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < paths.Length; k++)
            {
                var which = (k + round) % paths.Length;
                slices[which].Add(await LoadDrivers.ClosedLoopAsync(p.Callers, slice, paths[which].Call));
            }
        }
        var measured = slices.Select(Measured.Combine).ToArray();
        for (var k = 0; k < paths.Length; k++)
        {
            Progress($"{paths[k].Name} ({rounds} interleaved slices of {slice.TotalSeconds:0.#} s)", measured[k]);
        }
        var (echoAll, gm, hot, wide) = (measured[0], measured[1], measured[2], measured[3]);
        var half = await LoadDrivers.OpenLoopAsync(wide.PerSecond / 2, p.Callers, duration, Check(p.Players));
        Progress("CheckAccess half rate", half);
        Console.WriteLine($"  driver lateness (sent after due): {LatencySummary.Of(half.Lateness!).Text}");

        // Game servers are authenticated once per connection: a count near the connections' proves the calls reused it.
        Console.WriteLine($"- game-server credentials verified against a stored hash: {replica.Services.GetRequiredService<GmTools.Server.Security.GameServerAuthenticator>().Verifications:N0} ({p.GameServers} connections)");

        Console.WriteLine($"- game-server credentials verified against a stored hash so far: {replica.Services.GetRequiredService<GameServerAuthenticator>().Verifications:N0} (the rest answered from their connection's identity)");
        var decision = DecisionCost(replica.Services.GetRequiredService<ActiveSanctionSet>(), p, servers.Select(x => x.Id).ToArray());
        Console.WriteLine($"- {decision.Note}; load average {WritePathBench.LoadAverage()}");

        var echoRate = echoAll.PerSecond;
        var echoHistogram = echoAll.Histogram;
        const string Echo = "bare gRPC echo, same slices";
        report.Add(new LoadRow("bare gRPC echo (minimal host: no auth, database or cache)", echoRate, "calls/s", Latency: LatencySummary.Of(echoHistogram),
            Note: Join(Spread(slices[0]), echoAll.CpuText)));
        report.Add(new LoadRow("GmTools Echo as a game server (auth, interceptors)", gm.PerSecond, "calls/s", Echo, echoRate, Latency: gm.Latency, Note: Join(Errors(gm), gm.CpuText)));
        report.Add(new LoadRow($"CheckAccess, {p.HotPlayers:N0} hot players", hot.PerSecond, "calls/s", Echo, echoRate,
            new Target.ShareWithFloor(0.9, 20_000, echoRate), hot.Latency, Join(Errors(hot), hot.CpuText)));
        report.Add(new LoadRow($"CheckAccess, {p.Players:N0} distinct players", wide.PerSecond, "calls/s", Echo, echoRate,
            new Target.ShareOfBaseline(0.9), wide.Latency, Join(Errors(wide), wide.CpuText)));
        if (echoAll.CpuPerCall is { } echoCpu && wide.CpuPerCall is { } wideCpu && hot.CpuPerCall is { } hotCpu)
        {
            // CPU a call costs (server and driver, and the stores) moves far less with the neighbours than the rate does:
            // the bare echo's cost as a share of CheckAccess's is the ratio the rates would show on a quiet, CPU-bound box.
            report.Add(new LoadRow("CheckAccess, distinct players, CPU a call (process + stores) vs the bare echo's", wideCpu.Own + wideCpu.Stores, "µs/call",
                "bare gRPC echo, same slices", echoCpu.Own + echoCpu.Stores,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"bare echo {echoCpu.Own + echoCpu.Stores:0.0}, GmTools echo {gm.CpuPerCall?.Own + gm.CpuPerCall?.Stores:0.0}, hot {hotCpu.Own + hotCpu.Stores:0.0}, distinct {wideCpu.Own + wideCpu.Stores:0.0} µs/call; echo/distinct {(echoCpu.Own + echoCpu.Stores) / (wideCpu.Own + wideCpu.Stores) * 100:0.0} %")));
        }
        report.Add(new LoadRow(string.Create(CultureInfo.InvariantCulture, $"CheckAccess at half its peak ({wide.PerSecond / 2:N0}/s offered, open loop), p99"),
            half.Latency.P99Ms, "ms", Target: new Target.AtMost(5, "ms"), Latency: half.Latency,
            Note: string.Create(CultureInfo.InvariantCulture, $"{half.PerSecond:N0}/s answered; driver sent p99 {LatencySummary.Of(half.Lateness!).P99Ms:0.00} ms after due; {half.Runtime?.Text}; {Errors(half)}")));
        report.Add(new LoadRow("CheckAccess decision alone in process (the replica's sanction set + rules, no gRPC), distinct players", decision.WideNs, "ns/check",
            "the same for the hot players", decision.HotNs, Note: decision.Note));
        charted.AddRange([("bare echo", echoHistogram), ("GmTools echo", gm.Histogram), ("CheckAccess hot", hot.Histogram),
            ("CheckAccess distinct", wide.Histogram), ("CheckAccess half rate", half.Histogram)]);

        if (!settings.AccessOnly)
        {
            await OtherPathsAsync(settings, database, replica, servers, channels, warm, gm.PerSecond, report, charted);
        }

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

    /// <summary>Every path after CheckAccess: audited mutes between pgbench runs, Redis and COPY baselines, name search.</summary>
    private static async Task OtherPathsAsync(Settings settings, string database, GameLinkBench.Replica replica, SimulatedServer[] servers, GrpcChannel[] channels,
        TimeSpan warm, double gmEchoRate, LoadReport report, List<(string, HistogramBase)> charted)
    {
        var p = settings.Profile;
        var duration = TimeSpan.FromSeconds(p.Seconds);
        // Audited mutes by M staff members, between pgbench's simple-update before and after.
        var pgbenchDb = await Baselines.PgbenchDatabaseAsync(settings.Pgbench, settings.Postgres, new NpgsqlConnectionStringBuilder(database).Database + "_pgbench", p.PgbenchScale);
        var selectOnly = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-S", p.Staff, p.Seconds);
        // Issue #12's three mute figures: one staff member alone, M staff on one game server, M spread over ten.
        var muteServers = MuteServers(p);
        var muted = new long[muteServers];
        await MutesAsync(replica, channels, p, warm, p.Staff, muteServers, muted); // JIT, pools; not reported
        var updateBefore = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-N", p.Staff, p.Seconds);
        var alone = await MutesAsync(replica, channels, p, duration, 1, 1, muted);
        Progress("mutes, 1 staff, one game server", alone);
        var mutes = await MutesAsync(replica, channels, p, duration, p.Staff, 1, muted);
        Progress($"mutes, {p.Staff} staff, one game server", mutes);
        var spread = await MutesAsync(replica, channels, p, duration, p.Staff, muteServers, muted);
        Progress($"mutes, {p.Staff} staff over {muteServers} game servers", spread);
        var updateAfter = await Baselines.PgbenchTpsAsync(settings.Pgbench, settings.Postgres, pgbenchDb, "-N", p.Staff, p.Seconds);
        var update = (updateBefore + updateAfter) / 2;
        report.Add(new LoadRow($"pgbench select-only (-S), {p.Staff} clients", selectOnly, "TPS"));
        report.Add(new LoadRow($"pgbench simple-update (-N), {p.Staff} clients", update, "TPS",
            Note: string.Create(CultureInfo.InvariantCulture, $"before {updateBefore:N0}, after {updateAfter:N0}")));
        report.Add(new LoadRow($"audited mute (IssueSanction), {p.Staff} staff, one game server", mutes.PerSecond, "mutes/s", "pgbench -N", update,
            new Target.ShareOfBaseline(0.2), mutes.Latency, Errors(mutes)));
        report.Add(new LoadRow($"audited mute, {p.Staff} staff over {muteServers} game servers", spread.PerSecond, "mutes/s", "pgbench -N", update,
            new Target.ShareOfBaseline(0.3), spread.Latency, Errors(spread)));
        report.Add(new LoadRow("audited mute, 1 staff, one game server", alone.PerSecond, "mutes/s", "pgbench -N", update, Latency: alone.Latency,
            Note: Errors(alone)));
        report.Add(new LoadRow($"audited mute, {p.Staff} staff vs 1 staff (one game server)", alone.PerSecond > 0 ? mutes.PerSecond / alone.PerSecond : double.NaN, "×",
            Target: new Target.AtLeast(4, "×"),
            Note: string.Create(CultureInfo.InvariantCulture, $"{mutes.PerSecond:N0} vs {alone.PerSecond:N0} mutes/s")));
        charted.AddRange([("audited mute, one server", mutes.Histogram), ($"audited mute, {muteServers} servers", spread.Histogram),
            ("audited mute, 1 staff", alone.Histogram)]);

        var kicks = await BanToKickAsync(replica, channels, servers, p);
        report.Add(new LoadRow($"ban → kick at a game server on the same replica, {p.GameServers + 1} streams held, p99", kicks.Latency.P99Ms, "ms",
            Target: new Target.AtMost(50, "ms"), Latency: kicks.Latency,
            Note: string.Create(CultureInfo.InvariantCulture, $"{kicks.Calls:N0} bans one at a time; {kicks.Errors:N0} kicks missing; 2,000 streams and another replica: bash bench/write-path.sh, bench/gamelink.sh")));
        charted.Add(("ban → kick", kicks.Histogram));
        await AnomalyIntakeLoad.AddAsync(replica, channels, [.. servers.Select(s => (s.Id, s.Headers))], p, gmEchoRate, update, report, charted);

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
        report.Add(LoadRow.NotMeasured("ban → kick with 2,000 streams held, p99", "≤ 50 ms", "not in this command yet: bash bench/write-path.sh --only idle"));
        report.Add(LoadRow.NotMeasured("GameLink delivery to one game server", "≥ 20,000 acked commands/s", "not in this command yet: bash bench/gamelink.sh"));
        report.Add(LoadRow.NotMeasured("2,000 GameLink streams on one replica, RSS", "≤ 1 GiB", "not in this command yet: bash bench/write-path.sh --only idle"));
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

    /// <summary>The PostgreSQL postmaster (its data directory's postmaster.pid) and the Redis server (INFO server), whose CPU a path's rows count.</summary>
    private static async Task<int[]> StoreProcessesAsync(GameLinkBench.Replica replica, string redis)
    {
        var pids = new List<int>();
        try
        {
            await using var cmd = replica.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SHOW data_directory");
            var dir = (string)(await cmd.ExecuteScalarAsync())!;
            pids.Add(int.Parse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).First(), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or NpgsqlException)
        {
            Console.Error.WriteLine($"PostgreSQL's CPU not counted: {e.Message}");
        }
        try
        {
            // INFO is an admin command for StackExchange.Redis: a connection of its own, not the replica's.
            var options = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            options.AllowAdmin = true;
            await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
            var info = (await admin.GetDatabase().ExecuteAsync("INFO", "server")).ToString();
            var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("process_id:", StringComparison.Ordinal));
            if (line is not null && int.TryParse(line["process_id:".Length..].Trim(), CultureInfo.InvariantCulture, out var redisPid))
            {
                pids.Add(redisPid);
            }
        }
        catch (StackExchange.Redis.RedisException e)
        {
            Console.Error.WriteLine($"Redis's CPU not counted: {e.Message}");
        }
        return [.. pids];
    }

    private sealed record SimulatedServer(string Id, Metadata Headers);

    private sealed record Decision(double HotNs, double WideNs, string Note);

    /// <summary>
    /// The gate's in-process decision alone — the replica's own <see cref="ActiveSanctionSet"/> (holding the seeded
    /// sanctions) and <see cref="AccessRules"/>, the player id built per check as the request parser builds it — for the
    /// hot and the distinct players in the drivers' order, interleaved: what a distinct player costs the server beyond a
    /// hot one once gRPC is taken away.
    /// </summary>
    private static Decision DecisionCost(ActiveSanctionSet set, LoadProfile p, string[] serverIds)
    {
        var blocked = 0L;
        var checks = 0L;
        double Run(int players, int iterations)
        {
            var now = DateTimeOffset.UtcNow;
            var started = Stopwatch.GetTimestamp();
            for (long n = 0; n < iterations; n++)
            {
                var i = (int)(n * 7919 % players);
                if (!AccessRules.Decide(set.For($"lp{i}"), serverIds[i % serverIds.Length], now).MayChat)
                {
                    blocked++;
                }
            }
            checks += iterations;
            return Stopwatch.GetElapsedTime(started).TotalNanoseconds / iterations;
        }
        const int Iterations = 500_000;
        Run(p.HotPlayers, Iterations);
        Run(p.Players, Iterations);
        double hot = 0, wide = 0;
        for (var round = 0; round < 3; round++)
        {
            hot += Run(p.HotPlayers, Iterations) / 3;
            wide += Run(p.Players, Iterations) / 3;
        }
        var note = string.Create(CultureInfo.InvariantCulture,
            $"decision alone: hot {hot:0} ns, distinct {wide:0} ns a check; {blocked * 100.0 / checks:0.0} % of checks blocked from chat, set ready {set.Ready}, {set.Count:N0} players held");
        return new Decision(hot, wide, note);
    }

    /// <summary>Game servers the spread mute run uses: ten (issue #12's figure), fewer in a profile that has fewer.</summary>
    private static int MuteServers(LoadProfile p) => Math.Min(10, p.GameServers);

    // Players to mute on game server 0 (the warm-up, one staff member and M staff on one server) and on each other
    // one (the spread run): sized so that no run comes back round at 1,500 mutes/s.
    private static int MutePlayersFirst(LoadProfile p) => Math.Max(2_000, p.Seconds * 2_500);

    private static int MutePlayersOther(LoadProfile p) => Math.Max(500, p.Seconds * 300);

    private const int BansOneAtATime = 200;

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
    private static async Task SeedAsync(GameLinkBench.Replica replica, LoadProfile p)
    {
        await using var cmd = replica.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO sanctions (player_id, kind, scope_game_server_id, player_game_server_id, issued_at, ends_at, reason_code, reason,
                evidence_chat_line_ids, evidence_anomaly_report_ids, ticket_ref, issued_by, ladder_step, override_reason, lifted_as_wrongful)
            SELECT 'lp' || i, CASE WHEN i % 100 = 0 THEN 'ban' ELSE 'mute' END, 'load-' || (i % @servers), 'load-' || (i % @servers),
                now(), now() + interval '30 days', 'chat_abuse', 'load', '{}', '{}', '', 'load', 0, '', false
            FROM generate_series(0, @players - 1, 10) AS i;
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT 'lm' || s || '-' || i, 'acc-lm' || s || '-' || i, 'load-' || s, 'Talker' || s || '_' || i, 10, 0, 0, '', true, 1, now()
            FROM generate_series(0, @muteServers - 1) AS s, generate_series(1, CASE WHEN s = 0 THEN @first ELSE @other END) AS i;
            ANALYZE sanctions; ANALYZE players;
            """);
        cmd.Parameters.AddWithValue("servers", p.GameServers);
        cmd.Parameters.AddWithValue("players", p.Players);
        cmd.Parameters.AddWithValue("muteServers", MuteServers(p));
        cmd.Parameters.AddWithValue("first", MutePlayersFirst(p));
        cmd.Parameters.AddWithValue("other", MutePlayersOther(p));
        cmd.CommandTimeout = 600;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// <paramref name="staff"/> staff members mute distinct players as fast as answers come, staff member w on game
    /// server w mod <paramref name="servers"/> (its players, counted on in <paramref name="muted"/>). Each rotates over 200
    /// GM identities: the per-GM guard rail is meant for a human's pace, and one identity muting a hundred players a
    /// second would measure it.
    /// </summary>
    private static async Task<Measured> MutesAsync(GameLinkBench.Replica replica, GrpcChannel[] channels, LoadProfile p, TimeSpan duration,
        int staff, int servers, long[] muted)
    {
        var issuer = replica.Services.GetRequiredService<StaffTokenIssuer>();
        var headers = Enumerable.Range(0, staff).Select(c => Enumerable.Range(0, 200)
            .Select(g => new Metadata { { "authorization", "Bearer " + issuer.Issue($"load.gm-{c}-{g}", [GmTools.Server.Security.Role.Gm]) } }).ToArray()).ToArray();
        var clients = channels.Select(c => new SanctionService.SanctionServiceClient(c)).ToArray();
        return await LoadDrivers.ClosedLoopAsync(staff, duration, async (w, n) =>
        {
            var s = w % servers;
            // Sized so that a run does not come back round; if it does, a repeated mute's refusal counts as an error.
            var i = (Interlocked.Increment(ref muted[s]) - 1) % (s == 0 ? MutePlayersFirst(p) : MutePlayersOther(p)) + 1;
            await clients[w % clients.Length].IssueSanctionAsync(new IssueSanctionRequest
            {
                PlayerId = $"lm{s}-{i}",
                Kind = SanctionKind.Mute,
                Scope = new SanctionScope { GameServerId = $"load-{s}" },
                ReasonCode = "chat_abuse",
                Reason = "load",
            }, headers[w][n % 200]);
        });
    }

    /// <summary>
    /// Ban → kick (GameLinkBench.BanToKickAsync): one GM bans players of one more game server one at a time, each
    /// timed until its kick reaches that server's stream; meanwhile every simulated game server holds its stream too.
    /// </summary>
    private static async Task<Measured> BanToKickAsync(GameLinkBench.Replica replica, GrpcChannel[] channels, SimulatedServer[] servers, LoadProfile p)
    {
        var credential = await GameLinkBench.RegisterAsync(replica);
        using var stop = new CancellationTokenSource();
        var welcomed = new List<Task>();
        var held = servers.Select((server, s) =>
        {
            var sim = new GmTools.Simulator.SimulatedGameServer(server.Id, new GameLinkService.GameLinkServiceClient(channels[s]), new GmTools.Simulator.SimulatorOptions(), server.Headers);
            var hello = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sim.Welcomed += _ => hello.TrySetResult();
            welcomed.Add(hello.Task);
            return sim.RunAsync(stop.Token);
        }).ToList();
        await Task.WhenAll(welcomed).WaitAsync(TimeSpan.FromMinutes(1));
        using var channel = GameLinkBench.Channel(replica.Address);
        var bans = p.Name == LoadProfile.Tiny.Name ? 10 : BansOneAtATime;
        var (kicks, calls) = await GameLinkBench.BanToKickAsync(replica, channel, channel, new Metadata { { "authorization", credential } }, bans,
            $"IssueSanction over gRPC → kick received by one more game server on the same replica, {servers.Length} other streams held");
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(held);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            // the streams end with the cancellation
        }
        var histogram = LatencySummary.NewHistogram();
        foreach (var ms in kicks)
        {
            histogram.RecordValue(Math.Min(LatencySummary.HighestMicros, (long)(ms * 1000)));
        }
        return new Measured(histogram, calls.Count, calls.Count - kicks.Count, 0);
    }

    private static GrpcChannel[] Channels(string address, int count) => Enumerable.Range(0, count).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        // One connection per simulated game server, as a game server process would hold it.
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    })).ToArray();

    /// <summary>Length of one interleaved slice of the CheckAccess part.</summary>
    private const int SliceSeconds = 2;

    private static string Spread(List<Measured> slices) => slices.Count < 2 ? "" : string.Create(CultureInfo.InvariantCulture,
        $"{slices.Count} slices interleaved with the paths below, {slices.Min(s => s.PerSecond):N0}–{slices.Max(s => s.PerSecond):N0}/s");

    private static string Join(params string[] parts) => string.Join("; ", parts.Where(x => x.Length > 0));

    private static string Errors(Measured m) => m.Errors == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{m.Errors:N0} errors");

    private static void Progress(string what, Measured m) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- {what}: {m.PerSecond:N0}/s, {m.Latency.Text}, errors {m.Errors}; {m.CpuText}; {m.Runtime?.Text}; load average {WritePathBench.LoadAverage()}"));

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"Machine: {Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), memory {mem ?? "unknown"}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; " +
            $"{RuntimeSettings()}; load average at start {WritePathBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    }

    /// <summary>The GC and JIT settings this process (server and driver) runs with: they move the tail.</summary>
    public static string RuntimeSettings()
    {
        var gc = GC.GetConfigurationVariables();
        string Of(string key) => gc.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? "" : "?";
        var pgo = Environment.GetEnvironmentVariable("DOTNET_TieredPGO") is "0" || AppContext.GetData("System.Runtime.TieredPGO") is false ? "off" : "on";
        return string.Create(CultureInfo.InvariantCulture,
            $"GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} (heaps {Of("HeapCount")}, concurrent {Of("ConcurrentGC")}, DATAS {(System.Runtime.GCSettings.IsServerGC && Of("GCDynamicAdaptationMode") == "1" ? "on" : "off")}, gen0 max budget {Of("GCGen0MaxBudget")}), TieredPGO {pgo}");
    }
}
