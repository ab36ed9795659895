using System.Globalization;

namespace GmTools.Bench;

public sealed record BenchArgs(string ConnectionString, long Players, int Queries, int FuzzyQueries, float[] Thresholds, bool Reuse)
{
    public static BenchArgs Parse(string[] args)
    {
        long players = 10_000_000;
        var queries = 3000;
        var reuse = false;
        var fuzzyQueries = 500;
        // "auto" (a negative value here) is the service's length-dependent threshold.
        float[] thresholds = [-1f];
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--players": players = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--queries": queries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--reuse": reuse = true; break;
                case "--fuzzy-queries": fuzzyQueries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--thresholds":
                    thresholds = args[++i].Split(',').Select(t => t == "auto" ? -1f : float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                    break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        var cs = Environment.GetEnvironmentVariable("GMTOOLS_BENCH_POSTGRES");
        if (string.IsNullOrWhiteSpace(cs))
        {
            throw new InvalidOperationException(
                "set GMTOOLS_BENCH_POSTGRES to a connection string naming the benchmark database, e.g. " +
                "\"Host=127.0.0.1;Port=55432;Username=postgres;Database=gmtools_bench\"");
        }
        return new BenchArgs(cs, players, queries, fuzzyQueries, thresholds, reuse);
    }
}
