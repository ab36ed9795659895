using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;

namespace GmTools.Bench.Load;

/// <summary>
/// A measured run of one path: every call's latency in an HDR histogram, calls and errors counted, and what the
/// process's runtime did meanwhile (<see cref="Runtime"/>). For an open-loop run, <see cref="Lateness"/> holds how late
/// the driver itself sent each call after it was due (its own timer and scheduling, not the server's answer).
/// </summary>
public sealed record Measured(LongHistogram Histogram, long Calls, long Errors, double Seconds, RuntimeDelta? Runtime = null, LongHistogram? Lateness = null)
{
    public double PerSecond => Seconds > 0 ? Calls / Seconds : 0;

    public LatencySummary Latency => LatencySummary.Of(Histogram);

    /// <summary>CPU a call cost, in µs: this process (server and driver when they share it) and the stores (PostgreSQL, Redis).</summary>
    public (double Own, double Stores)? CpuPerCall => Runtime is null || Calls == 0 ? null
        : (Runtime.OwnCpu.TotalMicroseconds / Calls, Runtime.StoresCpu.TotalMicroseconds / Calls);

    public string CpuText => CpuPerCall is { } c
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CPU {c.Own:0.0} µs/call in process + {c.Stores:0.0} in PostgreSQL/Redis ({Runtime!.OwnCpu.TotalSeconds / Math.Max(0.001, Runtime.Seconds):0.00} cores)")
        : "";

    /// <summary>Several slices of one path as one run: histograms merged, calls, errors, time and runtime deltas summed.</summary>
    public static Measured Combine(IReadOnlyCollection<Measured> slices) => new(
        LoadDrivers.Merge(slices.Select(s => s.Histogram)), slices.Sum(s => s.Calls), slices.Sum(s => s.Errors), slices.Sum(s => s.Seconds),
        slices.All(s => s.Runtime is not null) ? RuntimeDelta.Sum(slices.Select(s => s.Runtime!)) : null,
        slices.All(s => s.Lateness is not null) ? LoadDrivers.Merge(slices.Select(s => s.Lateness!)) : null);
}

/// <summary>
/// What the runtime of this process (server and driver alike when they share it) did during a run: garbage
/// collections by generation, the time the GC held every thread paused, the thread pool's size at the end and the
/// work items it was behind. The first suspects of a latency tail.
/// </summary>
public sealed record RuntimeDelta(int Gen0, int Gen1, int Gen2, TimeSpan GcPause, double Seconds, int ThreadPoolThreads, long LockContentions,
    TimeSpan OwnCpu = default, TimeSpan StoresCpu = default)
{
    public double PausePercent => Seconds > 0 ? GcPause.TotalSeconds / Seconds * 100 : 0;

    public string Text => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"GC {Gen0}/{Gen1}/{Gen2} (gen0/1/2), paused {GcPause.TotalMilliseconds:0} ms ({PausePercent:0.0} % of the run), {ThreadPoolThreads} pool threads, {LockContentions} lock contentions");

    public static RuntimeDelta Sum(IEnumerable<RuntimeDelta> parts)
    {
        var list = parts.ToList();
        return new RuntimeDelta(list.Sum(p => p.Gen0), list.Sum(p => p.Gen1), list.Sum(p => p.Gen2),
            TimeSpan.FromTicks(list.Sum(p => p.GcPause.Ticks)), list.Sum(p => p.Seconds), list.Max(p => p.ThreadPoolThreads), list.Sum(p => p.LockContentions),
            TimeSpan.FromTicks(list.Sum(p => p.OwnCpu.Ticks)), TimeSpan.FromTicks(list.Sum(p => p.StoresCpu.Ticks)));
    }

    /// <summary>Starts watching; call <see cref="Mark.End"/> when the run is over.</summary>
    public static Mark Start() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
        System.Threading.Monitor.LockContentionCount, ProcessCpu.Own(), ProcessCpu.Stores(), Stopwatch.GetTimestamp());

    public readonly record struct Mark(int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Contentions, TimeSpan Own, TimeSpan Stores, long Started)
    {
        // A gen2 collection counts in gen1 and gen0 too: each generation is reported by itself.
        public RuntimeDelta End()
        {
            int g2 = GC.CollectionCount(2) - Gen2, g1 = GC.CollectionCount(1) - Gen1 - g2, g0 = GC.CollectionCount(0) - Gen0 - g1 - g2;
            var seconds = Stopwatch.GetElapsedTime(Started).TotalSeconds;
            return new RuntimeDelta(g0, g1, g2, GC.GetTotalPauseDuration() - Pause, seconds,
                ThreadPool.ThreadCount, System.Threading.Monitor.LockContentionCount - Contentions, ProcessCpu.Own() - Own, ProcessCpu.Stores() - Stores);
        }
    }
}

/// <summary>How load is offered: closed loop (each caller as fast as answers come) or open loop (a fixed rate).</summary>
public static class LoadDrivers
{
    // A histogram is ~140 KB (60 s at 3 significant digits), a large object: allocated afresh for 64 callers on every
    // slice they were ~9 MB of large-object heap a slice, and the gen2 collections that budget triggers paused the
    // server sharing this process. The per-caller ones are reused instead.
    private static readonly System.Collections.Concurrent.ConcurrentBag<LongHistogram> Spare = [];

    private static LongHistogram Rent() => Spare.TryTake(out var h) ? h : LatencySummary.NewHistogram();

    private static void Return(IEnumerable<LongHistogram> histograms)
    {
        foreach (var h in histograms)
        {
            h.Reset();
            Spare.Add(h);
        }
    }

    /// <summary>Each of <paramref name="callers"/> loops <paramref name="call"/>(caller, n) until the time is up.</summary>
    public static async Task<Measured> ClosedLoopAsync(int callers, TimeSpan duration, Func<int, long, Task> call)
    {
        var histograms = new LongHistogram[callers];
        var errors = 0L;
        var runtime = RuntimeDelta.Start();
        var started = Stopwatch.GetTimestamp();
        var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(w => Task.Run(async () =>
        {
            var mine = histograms[w] = Rent();
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
        var runtimeDelta = runtime.End();
        var measured = Merge(histograms, errors, Stopwatch.GetElapsedTime(started).TotalSeconds) with { Runtime = runtimeDelta };
        Return(histograms);
        return measured;
    }

    /// <summary>
    /// Calls at a fixed <paramref name="perSecond"/>, open loop, as a population of independent players asks: one pacer
    /// thread starts each call when it is due, whether or not earlier calls have been answered (up to
    /// <paramref name="maxInFlight"/> at once), and each latency is taken from the moment the call was due, so a stall
    /// shows in the histogram instead of quietly lowering the offered rate (coordinated omission). The pacer sleeps in
    /// 1 ms steps and starts every call that has come due; <see cref="Measured.Lateness"/> holds how late each call was
    /// started (the driver's own share of every latency). <paramref name="callers"/> spreads the calls' (w, n) as the
    /// closed loop does, and four times as many may be in flight by default: bounded, so an overloaded server is seen as
    /// calls started late (and counted from when they were due), not as an ever-growing heap of waiting calls whose
    /// collections then stall everything in this process. (Until 2026-12-04 the open loop was 64 serial workers with a Task.Delay each: a slow answer held
    /// back that worker's later calls, so the driver queued calls the server never saw — its half-rate p50 was above the
    /// full-rate closed loop's.)
    /// </summary>
    public static async Task<Measured> OpenLoopAsync(double perSecond, int callers, TimeSpan duration, Func<int, long, Task> call, int maxInFlight = 0)
    {
        maxInFlight = maxInFlight > 0 ? maxInFlight : 4 * callers;
        if (Environment.GetEnvironmentVariable("GMTOOLS_OPEN_LOOP") == "workers")
        {
            return await OpenLoopWorkersAsync(perSecond, callers, duration, call);
        }
        var latency = new LongConcurrentHistogram(1, LatencySummary.HighestMicros, 3);
        var lateness = LatencySummary.NewHistogram();
        var errors = 0L;
        var total = (long)(perSecond * duration.TotalSeconds);
        var remaining = total;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slots = new SemaphoreSlim(maxInFlight);
        var runtime = RuntimeDelta.Start();
        var started = Stopwatch.GetTimestamp();

        async Task OneAsync(long n, long due)
        {
            try
            {
                await call((int)(n % callers), n);
                latency.RecordValue(Micros(Math.Max(0, Stopwatch.GetTimestamp() - due)));
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                slots.Release();
                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    done.TrySetResult();
                }
            }
        }

        var pacer = new Thread(() =>
        {
            for (long n = 0; n < total; n++)
            {
                var due = started + (long)(n / perSecond * Stopwatch.Frequency);
                for (var wait = due - Stopwatch.GetTimestamp(); wait > 0; wait = due - Stopwatch.GetTimestamp())
                {
                    Thread.Sleep((int)Math.Max(1, wait * 1000 / Stopwatch.Frequency));
                }
                slots.Wait();
                lateness.RecordValue(Micros(Math.Max(0, Stopwatch.GetTimestamp() - due)));
                var (one, dueAt) = (n, due);
                // Started on the pool, so the pacer only keeps time and the calls' own work spreads over the cores.
                ThreadPool.UnsafeQueueUserWorkItem(_ => _ = OneAsync(one, dueAt), null);
            }
        })
        { IsBackground = true, Name = "open-loop pacer" };
        pacer.Start();
        if (total == 0)
        {
            done.TrySetResult();
        }
        await done.Task;
        pacer.Join();
        var all = Merge([latency]);
        return new Measured(all, all.TotalCount, errors, Stopwatch.GetElapsedTime(started).TotalSeconds, runtime.End(), lateness);
    }

    /// <summary>
    /// The open loop before 2026-12-04, kept for the A/B (GMTOOLS_OPEN_LOOP=workers): calls at a fixed rate spread
    /// over <paramref name="workers"/> serial workers with a Task.Delay each, latency from when the call was due.
    /// </summary>
    private static async Task<Measured> OpenLoopWorkersAsync(double perSecond, int workers, TimeSpan duration, Func<int, long, Task> call)
    {
        var histograms = new LongHistogram[workers];
        var lateness = new LongHistogram[workers];
        var errors = 0L;
        var total = (long)(perSecond * duration.TotalSeconds);
        var runtime = RuntimeDelta.Start();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = histograms[w] = LatencySummary.NewHistogram();
            var late = lateness[w] = LatencySummary.NewHistogram();
            for (long n = w; n < total; n += workers)
            {
                var due = started + (long)(n / perSecond * Stopwatch.Frequency);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                }
                late.RecordValue(Micros(Math.Max(0, Stopwatch.GetTimestamp() - due)));
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
        return Merge(histograms, errors, Stopwatch.GetElapsedTime(started).TotalSeconds) with { Runtime = runtime.End(), Lateness = Merge(lateness) };
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
