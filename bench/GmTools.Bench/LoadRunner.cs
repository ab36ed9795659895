using System.Diagnostics;

namespace GmTools.Bench;

public sealed record LoadResult(string Name, long Calls, long Errors, double Seconds, double P50Ms, double P99Ms, long[] Latencies)
{
    /// <summary>Several runs of one scenario as one: calls and time summed, percentiles over all latencies.</summary>
    public static LoadResult Merge(string name, IReadOnlyCollection<LoadResult> runs)
    {
        var all = runs.SelectMany(r => r.Latencies).ToArray();
        Array.Sort(all);
        return new LoadResult(name, all.Length, runs.Sum(r => r.Errors), runs.Sum(r => r.Seconds), Pct(all, 0.50), Pct(all, 0.99), all);
    }

    public static double Pct(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))] * 1000.0 / Stopwatch.Frequency;

    public double PerSecond => Calls / Seconds;

    public override string ToString() =>
        $"{Name,-34} {PerSecond,10:N0} calls/s   p50 {P50Ms,6:F2} ms   p99 {P99Ms,6:F2} ms   ({Calls:N0} calls, {Errors} errors)";
}

/// <summary>Many concurrent callers, each looping one call for a fixed time; latencies merged at the end.</summary>
public static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(string name, int concurrency, TimeSpan duration, Func<int, long, Task> call)
    {
        var latencies = new List<long>[concurrency];
        var errors = 0L;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            long n = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await call(w, n++);
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new LoadResult(name, all.Length, errors, elapsed, LoadResult.Pct(all, 0.50), LoadResult.Pct(all, 0.99), all);
    }
}
