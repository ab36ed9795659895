using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;

namespace GmTools.Bench.Load;

/// <summary>A measured run of one path: every call's latency in an HDR histogram, calls and errors counted.</summary>
public sealed record Measured(LongHistogram Histogram, long Calls, long Errors, double Seconds)
{
    public double PerSecond => Seconds > 0 ? Calls / Seconds : 0;

    public LatencySummary Latency => LatencySummary.Of(Histogram);
}

/// <summary>How load is offered: closed loop (each caller as fast as answers come) or open loop (a fixed rate).</summary>
public static class LoadDrivers
{
    /// <summary>Each of <paramref name="callers"/> loops <paramref name="call"/>(caller, n) until the time is up.</summary>
    public static async Task<Measured> ClosedLoopAsync(int callers, TimeSpan duration, Func<int, long, Task> call)
    {
        var histograms = new LongHistogram[callers];
        var errors = 0L;
        var started = Stopwatch.GetTimestamp();
        var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(w => Task.Run(async () =>
        {
            var mine = histograms[w] = LatencySummary.NewHistogram();
            for (long n = 0; Stopwatch.GetTimestamp() < stopAt; n++)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await call(w, n);
                    mine.RecordValue(Micros(Stopwatch.GetTimestamp() - t0));
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        return Merge(histograms, errors, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// Calls at a fixed <paramref name="perSecond"/> spread over <paramref name="workers"/>; each latency is taken from
    /// the moment the call was due, not from when it was sent, so a stall shows in the histogram instead of quietly
    /// lowering the offered rate (coordinated omission).
    /// </summary>
    public static async Task<Measured> OpenLoopAsync(double perSecond, int workers, TimeSpan duration, Func<int, long, Task> call)
    {
        var histograms = new LongHistogram[workers];
        var errors = 0L;
        var total = (long)(perSecond * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = histograms[w] = LatencySummary.NewHistogram();
            for (long n = w; n < total; n += workers)
            {
                var due = started + (long)(n / perSecond * Stopwatch.Frequency);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                }
                try
                {
                    await call(w, n);
                    mine.RecordValue(Micros(Math.Max(0, Stopwatch.GetTimestamp() - due)));
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        return Merge(histograms, errors, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public static LongHistogram Merge(IEnumerable<HistogramBase> parts)
    {
        var all = LatencySummary.NewHistogram();
        foreach (var part in parts)
        {
            all.Add(part);
        }
        return all;
    }

    private static Measured Merge(LongHistogram[] histograms, long errors, double seconds)
    {
        var all = Merge(histograms);
        return new Measured(all, all.TotalCount, errors, seconds);
    }

    private static long Micros(long ticks) => Math.Min(LatencySummary.HighestMicros, ticks * 1_000_000 / Stopwatch.Frequency);
}
