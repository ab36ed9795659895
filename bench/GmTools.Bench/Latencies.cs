using System.Diagnostics;
using System.Globalization;

namespace GmTools.Bench;

/// <summary>Collects per-call latencies and prints percentiles.</summary>
public sealed class Latencies(string name)
{
    private readonly List<double> _ms = [];

    public async Task<T> TimeAsync<T>(Func<Task<T>> call)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await call();
        _ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return result;
    }

    public void Add(TimeSpan elapsed) => _ms.Add(elapsed.TotalMilliseconds);

    public double Percentile(double p)
    {
        var sorted = _ms.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public string Line(string? extra = null) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-34} n={_ms.Count,6}  p50={Percentile(50),8:F3} ms  p95={Percentile(95),8:F3} ms  p99={Percentile(99),8:F3} ms  max={_ms.Max(),8:F3} ms{extra}");
}
