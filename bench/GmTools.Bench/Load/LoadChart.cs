using HdrHistogram;
using ScottPlot;

namespace GmTools.Bench.Load;

/// <summary>
/// The latency distributions of a run in one PNG: latency by percentile, both axes logarithmic, one line per path,
/// so a regression in the tail shows at a glance next to the same run's baselines.
/// </summary>
public static class LoadChart
{
    private static readonly double[] Percentiles = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];

    public static void Save(string path, IReadOnlyList<(string Name, HistogramBase Histogram)> series, string title)
    {
        var plot = new Plot();
        foreach (var (name, histogram) in series.Where(s => s.Histogram.TotalCount > 0))
        {
            var xs = Percentiles.Select(X).ToArray();
            var ys = Percentiles.Select(p => Math.Log10(Math.Max(1, histogram.GetValueAtPercentile(p)) / 1000.0)).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = name;
        }
        plot.Axes.Bottom.SetTicks(Percentiles.Select(X).ToArray(), Percentiles.Select(p => $"p{p}").ToArray());
        double[] ms = [0.01, 0.1, 1, 10, 100, 1000, 10000];
        plot.Axes.Left.SetTicks(ms.Select(Math.Log10).ToArray(), ms.Select(m => $"{m} ms").ToArray());
        plot.Axes.Bottom.Label.Text = "percentile";
        plot.Axes.Left.Label.Text = "latency";
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1200, 700);
    }

    /// <summary>Percentile p on a "number of nines" axis: p50 → 0.3, p90 → 1, p99 → 2, p99.9 → 3.</summary>
    private static double X(double p) => Math.Log10(100 / (100 - p));
}
