using GmTools.Bench;

// GmTools benchmarks. Verbs:
//   gamelink --postgres CONNSTRING --redis HOST:PORT [--commands N] [--samples N] [--rate PER_SECOND]
//       two replicas on real sockets; delivery rate to one game server and cross-replica latency.
//       Normally started by bench/gamelink.sh, which brings up a throwaway PostgreSQL and Redis.
//   players [--players N] [--queries N] [--fuzzy-queries N] [--thresholds auto,0.3,0.5] [--reuse]
//       seed N players by binary COPY (--reuse: keep an already loaded table of N rows), then time name search.
//       The database comes from GMTOOLS_BENCH_POSTGRES (a full Npgsql connection string; the database in it is
//       created if missing and its players table is REPLACED).
//   write-path --postgres CONNSTRING --redis HOST:PORT --pgbench PATH [--seconds 15] [--callers 16] [--streams 2000]
//              [--idle-seconds 30] [--bans 500] [--only mutes|idle]
//       audited mutes vs pgbench -N (same run), the audit chain's unlinked window, idle streams' cost, ban → kick
//       with the streams held. Normally started by bench/write-path.sh (throwaway durable PostgreSQL + Redis).
//   anomaly-intake --postgres CONNSTRING --redis HOST:PORT --pgbench PATH [--seconds 10] [--callers 8] [--batch 100]
//                  [--players 20000] [--threshold 25]
//       ReportAnomalies batches stored, audited and aggregated, next to the same run's echo RPC and pgbench -N.
//       Normally started by bench/anomaly-intake.sh (throwaway durable PostgreSQL + Redis).
//   chatwatch-engine [BenchmarkDotNet args]
//       the chat rule engine alone (10,000 terms, every normalization on), lines/s next to a read-every-char baseline.
var verb = args.Length > 0 ? args[0] : "";
switch (verb)
{
    case "gamelink":
        return await GameLinkBench.RunAsync(args[1..]);
    case "write-path":
        return await WritePathBench.RunAsync(args[1..]);
    case "idle-clients":
        return await WritePathBench.IdleClientsAsync(args[1..]);
    case "anomaly-intake":
        return await AnomalyIntakeBench.RunAsync(args[1..]);
    case "chatwatch-engine":
        return ChatRuleEngineBench.Run(args[1..]);
    case "players":
        return await PlayerSearchBench.RunAsync(BenchArgs.Parse(args[1..]));
    default:
        await Console.Error.WriteLineAsync("usage: GmTools.Bench gamelink --postgres CONNSTRING --redis HOST:PORT [--commands N] [--samples N] [--rate N]");
        await Console.Error.WriteLineAsync("       GmTools.Bench players [--players 10000000] [--queries 3000] [--fuzzy-queries 500] [--thresholds auto,0.3,0.5] [--reuse]");
        await Console.Error.WriteLineAsync("       GmTools.Bench write-path --postgres CONNSTRING --redis HOST:PORT --pgbench PATH [--seconds 15] [--callers 16] [--streams 2000] [--only mutes|idle]");
        await Console.Error.WriteLineAsync("       GmTools.Bench chatwatch-engine [BenchmarkDotNet options]");
        return 2;
}
