using GmTools.Bench;

// GmTools benchmarks. Verbs:
//   players [--players N] [--queries N] [--fuzzy-queries N] [--thresholds auto,0.3,0.5] [--reuse]
//       seed N players by binary COPY (--reuse: keep an already loaded table of N rows), then time name search
// The database comes from GMTOOLS_BENCH_POSTGRES (a full Npgsql connection string; the database in it is
// created if missing and its players table is REPLACED), e.g.
//   GMTOOLS_BENCH_POSTGRES="Host=127.0.0.1;Port=55432;Username=postgres;Database=gmtools_bench"
var verb = args.Length > 0 ? args[0] : "";
var options = BenchArgs.Parse(args.Skip(1).ToArray());
switch (verb)
{
    case "players":
        return await PlayerSearchBench.RunAsync(options);
    default:
        await Console.Error.WriteLineAsync("usage: GmTools.Bench players [--players 10000000] [--queries 3000] [--fuzzy-queries 500] [--thresholds auto,0.3,0.5] [--reuse]");
        return 2;
}
