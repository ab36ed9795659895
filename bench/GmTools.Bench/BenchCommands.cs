using System.CommandLine;
using System.Globalization;
using GmTools.Bench.Load;

namespace GmTools.Bench;

/// <summary>
/// The bench program's verbs and their options: one parser for all of them, so the same option (--postgres,
/// --seconds, ...) means the same thing in every verb and `--help` tells what each takes.
/// </summary>
public static class BenchCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("GmTools benchmarks. Each verb prints its figures next to baselines measured in the same run.");
        root.Subcommands.Add(GameLink());
        root.Subcommands.Add(WritePath());
        root.Subcommands.Add(IdleClients());
        root.Subcommands.Add(AnomalyIntake());
        root.Subcommands.Add(Sanctions());
        root.Subcommands.Add(Rewards());
        root.Subcommands.Add(Players());
        root.Subcommands.Add(ChatWatchEngine());
        root.Subcommands.Add(ChatIngest());
        root.Subcommands.Add(Load());
        return root;
    }

    // ---------------------------------------------------------------- options shared by several verbs

    private static Option<string> Postgres() => new("--postgres")
    {
        Description = "Npgsql connection string of a PostgreSQL superuser; the verb creates its own database in that cluster",
        Required = true,
    };

    private static Option<string> Redis() => new("--redis") { Description = "Redis host:port", Required = true };

    private static Option<string> Pgbench() => new("--pgbench") { Description = "path of the pgbench binary (the same-run baseline)", Required = true };

    private static Option<int> Number(string name, int fallback, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    // ---------------------------------------------------------------- verbs

    private static Command GameLink()
    {
        Option<string> postgres = Postgres(), redis = Redis();
        var commands = Number("--commands", 100_000, "commands in the backlog drain");
        var samples = Number("--samples", 2_000, "latency samples per path");
        var rate = Number("--rate", 200, "commands per second during the latency runs");
        var baselinesOnly = Flag("--baselines-only", "stop after the same-run baselines");
        var drainOnly = Flag("--drain-only", "stop after the backlog drain");
        var command = new Command("gamelink", "two replicas on real sockets: delivery rate to one game server, cross-replica latency, ban → kick")
        {
            postgres, redis, commands, samples, rate, baselinesOnly, drainOnly,
        };
        command.SetAction((r, _) => GameLinkBench.RunAsync(new GameLinkBench.Settings(
            r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(commands), r.GetValue(samples), r.GetValue(rate),
            r.GetValue(baselinesOnly), r.GetValue(drainOnly))));
        return command;
    }

    private static Command WritePath()
    {
        Option<string> postgres = Postgres(), redis = Redis(), pgbench = Pgbench();
        var seconds = Number("--seconds", 15, "seconds per measured run");
        var callers = Number("--callers", 16, "concurrent GM callers");
        var streams = Number("--streams", 2000, "idle GameLink streams held by the client process");
        var idleSeconds = Number("--idle-seconds", 30, "seconds the idle streams are measured");
        var bans = Number("--bans", 500, "bans timed to their kick while the streams are held");
        var only = new Option<string>("--only") { Description = "run one part only", DefaultValueFactory = _ => "all" };
        only.AcceptOnlyFromAmong("all", "mutes", "idle");
        var trace = Flag("--trace", "also print which PostgreSQL commands one mute sends");
        var command = new Command("write-path", "audited mutes vs pgbench -N, the audit chain's unlinked window, idle streams' cost, ban → kick with the streams held")
        {
            postgres, redis, pgbench, seconds, callers, streams, idleSeconds, bans, only, trace,
        };
        command.SetAction((r, _) => WritePathBench.RunAsync(new WritePathBench.Settings(
            r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(pgbench)!, r.GetValue(seconds), r.GetValue(callers),
            r.GetValue(streams), r.GetValue(idleSeconds), r.GetValue(bans), r.GetValue(only)!, r.GetValue(trace))));
        return command;
    }

    /// <summary>The client side of write-path's idle streams, started by write-path itself as a second process.</summary>
    private static Command IdleClients()
    {
        var address = new Argument<string>("address");
        var credentials = new Argument<string>("credentials") { Description = "file of 'game-server-id credential' lines" };
        var command = new Command("idle-clients", "hold one GameLink stream per credential line (started by write-path)") { address, credentials };
        command.Hidden = true;
        command.SetAction((r, _) => WritePathBench.IdleClientsAsync(r.GetValue(address)!, r.GetValue(credentials)!));
        return command;
    }

    private static Command AnomalyIntake()
    {
        Option<string> postgres = Postgres(), redis = Redis(), pgbench = Pgbench();
        var seconds = Number("--seconds", 10, "seconds per measured run");
        var callers = Number("--callers", 8, "concurrent game-server callers");
        var batch = Number("--batch", 100, "reports per ReportAnomalies call");
        var players = Number("--players", 20_000, "players the reports are spread over");
        var threshold = Number("--threshold", 25, "reports within 10 minutes that open a case");
        var command = new Command("anomaly-intake", "ReportAnomalies batches stored, audited and aggregated, next to the same run's echo RPC and pgbench -N")
        {
            postgres, redis, pgbench, seconds, callers, batch, players, threshold,
        };
        command.SetAction((r, _) => AnomalyIntakeBench.RunAsync(new AnomalyIntakeBench.Settings(
            r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(pgbench)!, r.GetValue(seconds), r.GetValue(callers),
            r.GetValue(batch), r.GetValue(players), r.GetValue(threshold))));
        return command;
    }

    private static Command ChatIngest()
    {
        Option<string> postgres = Postgres(), redis = Redis();
        var redisBenchmark = new Option<string>("--redis-benchmark") { Description = "path of the redis-benchmark binary", Required = true };
        var seconds = Number("--seconds", 10, "seconds of the measured run");
        var gameServers = Number("--game-servers", 8, "game servers, each with its own IngestChat stream and connection");
        var batch = Number("--batch", 1000, "lines per batch (the protocol's limit is 1,000)");
        var inFlight = Number("--in-flight", 2, "batches a game server sends before it waits for an ack");
        var players = Number("--players", 5000, "players per game server the lines are spread over");
        var command = new Command("chat-ingest", "IngestChat from game servers through one replica: lines/s and Redis round trips per 1,000 lines, next to redis-benchmark")
        {
            postgres, redis, redisBenchmark, seconds, gameServers, batch, inFlight, players,
        };
        command.SetAction((r, _) => ChatIngestBench.RunAsync(new ChatIngestBench.Settings(
            r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(redisBenchmark)!, r.GetValue(seconds), r.GetValue(gameServers),
            r.GetValue(batch), r.GetValue(inFlight), r.GetValue(players))));
        return command;
    }

    private static Command Sanctions()
    {
        Option<string> postgres = Postgres(), redis = Redis();
        var seconds = Number("--seconds", 20, "seconds per scenario, split into --rounds interleaved slices");
        var rounds = Number("--rounds", 10, "interleaved slices per scenario");
        var concurrency = Number("--concurrency", 64, "concurrent callers");
        var connections = Number("--connections", 4, "HTTP/2 connections the callers share");
        var command = new Command("sanctions", "CheckAccess (1,000 hot players; 100,000 players) next to a bare Echo RPC, interleaved")
        {
            postgres, redis, seconds, rounds, concurrency, connections,
        };
        command.SetAction((r, _) => SanctionsBench.RunAsync(new SanctionsBench.Settings(
            r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(seconds), r.GetValue(concurrency), r.GetValue(connections), r.GetValue(rounds))));
        return command;
    }

    private static Command Rewards()
    {
        var postgres = Postgres();
        var players = Number("--players", 1_000_000, "recipients of the compensation campaign");
        var chunk = Number("--chunk", 20_000, "expansion chunk size");
        var servers = Number("--servers", 10, "game servers the players are spread over");
        var keep = Flag("--keep", "keep the scratch database at the end");
        var command = new Command("rewards", "a compensation campaign expanded and stored, next to COPY and INSERT ... SELECT; GetCampaign and CancelCampaign at that size")
        {
            postgres, players, chunk, servers, keep,
        };
        command.SetAction((r, _) => RewardsBench.RunAsync(new RewardsBench.Settings(
            r.GetValue(postgres)!, r.GetValue(players), r.GetValue(chunk), r.GetValue(servers), r.GetValue(keep))));
        return command;
    }

    private static Command Players()
    {
        var postgres = new Option<string>("--postgres")
        {
            Description = "connection string naming the benchmark database (created if missing; its players table is REPLACED); default GMTOOLS_BENCH_POSTGRES",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GMTOOLS_BENCH_POSTGRES") ?? "",
        };
        var players = new Option<long>("--players") { Description = "players seeded by binary COPY", DefaultValueFactory = _ => 10_000_000 };
        var queries = Number("--queries", 3000, "prefix queries timed");
        var fuzzy = Number("--fuzzy-queries", 500, "target players of the fuzzy recall set (a one-typo query each, a two-typo one for names of 6+ characters)");
        var thresholds = new Option<string>("--thresholds") { Description = "fuzzy thresholds to try, e.g. auto,0.3,0.5", DefaultValueFactory = _ => "auto" };
        var reuse = Flag("--reuse", "keep an already loaded players table of the same size");
        var command = new Command("players", "name search (prefix and fuzzy) at N players") { postgres, players, queries, fuzzy, thresholds, reuse };
        command.SetAction(async (r, _) =>
        {
            var cs = r.GetValue(postgres);
            if (string.IsNullOrWhiteSpace(cs))
            {
                await Console.Error.WriteLineAsync("--postgres (or GMTOOLS_BENCH_POSTGRES) must name the benchmark database, " +
                    "e.g. \"Host=127.0.0.1;Port=55432;Username=postgres;Database=gmtools_bench\"");
                return 2;
            }
            return await PlayerSearchBench.RunAsync(new PlayerSearchBench.Settings(cs, r.GetValue(players), r.GetValue(queries), r.GetValue(fuzzy),
                ParseThresholds(r.GetValue(thresholds)!), r.GetValue(reuse)));
        });
        return command;
    }

    private static Command ChatWatchEngine()
    {
        var command = new Command("chatwatch-engine", "the chat rule engine alone (BenchmarkDotNet; any further arguments go to BenchmarkDotNet)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(r => ChatRuleEngineBench.Run([.. r.UnmatchedTokens]));
        return command;
    }

    private static Command Load()
    {
        Option<string> postgres = Postgres(), redis = Redis(), pgbench = Pgbench();
        var redisBenchmark = new Option<string>("--redis-benchmark") { Description = "path of the redis-benchmark binary", Required = true };
        var profile = new Option<string>("--profile") { Description = "sizes of the run", DefaultValueFactory = _ => "quick" };
        profile.AcceptOnlyFromAmong("quick", "full", "tiny");
        var output = new Option<string>("--out") { Description = "folder for load.md, load.csv and load.png", DefaultValueFactory = _ => "bench/results" };
        var accessOnly = Flag("--access-only", "only the echo baselines and the CheckAccess paths (to profile them)");
        var command = new Command("load", "N game servers and M staff over real gRPC, every path beside its same-run baseline; one table as Markdown, CSV and PNG")
        {
            postgres, redis, pgbench, redisBenchmark, profile, output, accessOnly,
        };
        command.SetAction((r, _) => LoadBench.RunAsync(new LoadBench.Settings(r.GetValue(postgres)!, r.GetValue(redis)!, r.GetValue(pgbench)!,
            r.GetValue(redisBenchmark)!, LoadProfile.Named(r.GetValue(profile)!), r.GetValue(output)!, AccessOnly: r.GetValue(accessOnly))));
        return command;
    }

    /// <summary>"auto,0.3,0.5" → [-1, 0.3, 0.5]: "auto" (negative) is the service's length-dependent threshold.</summary>
    internal static float[] ParseThresholds(string text) =>
        [.. text.Split(',').Select(t => t == "auto" ? -1f : float.Parse(t, CultureInfo.InvariantCulture))];
}
