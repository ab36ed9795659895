using System.Globalization;
using System.Text;
using HdrHistogram;

namespace GmTools.Bench.Load;

/// <summary>Latencies of one path, read from its HDR histogram (recorded in microseconds).</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    /// <summary>Highest latency a histogram tracks: a minute, in microseconds; anything slower is a failure anyway.</summary>
    public const long HighestMicros = 60_000_000;

    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    public static LatencySummary Of(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)
        : new LatencySummary(histogram.TotalCount, Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetValueAtPercentile(99.9)), Ms(histogram.GetMaxValue()));

    public string Text => Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
        $"p50 {P50Ms:0.00} / p90 {P90Ms:0.00} / p99 {P99Ms:0.00} / p99.9 {P999Ms:0.00} / max {MaxMs:0.00} ms");

    private static double Ms(long micros) => micros / 1000.0;
}

public enum Verdict
{
    Pass,
    Fail,

    /// <summary>A baseline or an informative figure: no target.</summary>
    Info,

    /// <summary>Not measured by this run; the note says why and where it is measured.</summary>
    NotMeasured,
}

/// <summary>What a path must reach; <see cref="Met"/> is the one place pass/fail is decided.</summary>
public abstract record Target(string Text)
{
    public abstract bool Met(double figure, double? ratio);

    /// <summary>figure / baseline ≥ share.</summary>
    public sealed record ShareOfBaseline(double Share) : Target(string.Create(CultureInfo.InvariantCulture, $"≥ {Share * 100:0} % of baseline"))
    {
        public override bool Met(double figure, double? ratio) => ratio >= Share;
    }

    /// <summary>figure ≥ share of the baseline, and ≥ floor wherever the baseline itself reaches the floor.</summary>
    public sealed record ShareWithFloor(double Share, double Floor, double Baseline)
        : Target(string.Create(CultureInfo.InvariantCulture, $"≥ {Share * 100:0} % of baseline; ≥ {Floor:N0}/s where the baseline reaches it"))
    {
        public override bool Met(double figure, double? ratio) => ratio >= Share && (figure >= Floor || Baseline < Floor);
    }

    public sealed record AtMost(double Limit, string Unit) : Target(string.Create(CultureInfo.InvariantCulture, $"≤ {Limit:0.##} {Unit}"))
    {
        public override bool Met(double figure, double? ratio) => figure <= Limit;
    }

    /// <summary>A target this run does not check (the row says where it is measured).</summary>
    public sealed record Stated(string What) : Target(What)
    {
        public override bool Met(double figure, double? ratio) => false;
    }

    public sealed record AtLeast(double Limit, string Unit) : Target(string.Create(CultureInfo.InvariantCulture, $"≥ {Limit:N0} {Unit}"))
    {
        public override bool Met(double figure, double? ratio) => figure >= Limit;
    }
}

/// <summary>One line of the table: a path's figure beside the same-run baseline that frames it.</summary>
public sealed record LoadRow(string Path, double? Figure, string Unit, string BaselineName = "", double? Baseline = null,
    Target? Target = null, LatencySummary? Latency = null, string Note = "")
{
    public double? Ratio => Figure is { } f && Baseline is { } b && b > 0 ? f / b : null;

    public Verdict Verdict => Figure is not { } f || double.IsNaN(f) ? Verdict.NotMeasured
        : Target is null ? Verdict.Info
        : Target.Met(f, Ratio) ? Verdict.Pass : Verdict.Fail;

    public static LoadRow NotMeasured(string path, string target, string why) =>
        new(path, null, "", Target: new Target.Stated(target), Note: why);
}

/// <summary>The run's table, as the console, Markdown and CSV show it.</summary>
public sealed class LoadReport(string title, string machine)
{
    private static readonly string[] Columns = ["path", "figure", "baseline", "ratio", "target", "pass/fail", "latency", "note"];

    public List<LoadRow> Rows { get; } = [];

    public string Title { get; } = title;

    public string Machine { get; } = machine;

    public LoadRow Add(LoadRow row)
    {
        Rows.Add(row);
        return row;
    }

    /// <summary>Rows that should have a figure and have none (the smoke test's check).</summary>
    public IEnumerable<LoadRow> MissingFigures => Rows.Where(r => r.Verdict == Verdict.NotMeasured && r.Note.Length == 0);

    public static string[] Cells(LoadRow r) =>
    [
        r.Path,
        r.Figure is { } f && !double.IsNaN(f) ? Number(f) + " " + r.Unit : "—",
        r.Baseline is { } b ? $"{Number(b)} ({r.BaselineName})" : r.BaselineName,
        r.Ratio is { } q ? string.Create(CultureInfo.InvariantCulture, $"{q * 100:0.0} %") : "",
        r.Target?.Text ?? "",
        r.Verdict switch { Verdict.Pass => "pass", Verdict.Fail => "FAIL", Verdict.Info => r.Baseline is null ? "baseline" : "info", _ => "not measured" },
        r.Latency?.Text ?? "",
        r.Note,
    ];

    public string Markdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## {Title}\n\n{Machine}\n\n");
        text.Append("| ").AppendJoin(" | ", Columns).Append(" |\n");
        text.Append('|').AppendJoin("|", Columns.Select(_ => "---")).Append("|\n");
        foreach (var row in Rows)
        {
            text.Append("| ").AppendJoin(" | ", Cells(row).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }
        return text.ToString();
    }

    public string Csv()
    {
        var text = new StringBuilder();
        text.AppendJoin(",", ["path", "figure", "unit", "baseline", "baseline_name", "ratio", "target", "verdict", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "note"]).Append('\n');
        foreach (var r in Rows)
        {
            var l = r.Latency;
            string[] cells =
            [
                r.Path, Raw(r.Figure), r.Unit, Raw(r.Baseline), r.BaselineName, Raw(r.Ratio), r.Target?.Text ?? "", r.Verdict.ToString(),
                Raw(l?.P50Ms), Raw(l?.P90Ms), Raw(l?.P99Ms), Raw(l?.P999Ms), Raw(l?.MaxMs), r.Note,
            ];
            text.AppendJoin(",", cells.Select(Quote)).Append('\n');
        }
        return text.ToString();
    }

    public string Console()
    {
        var cells = Rows.Select(Cells).Select(c => c[..7]).Prepend(Columns[..7]).ToList();
        var widths = Enumerable.Range(0, 7).Select(i => cells.Max(c => c[i].Length)).ToArray();
        return string.Join('\n', cells.Select(c => string.Join("  ", c.Select((v, i) => v.PadRight(widths[i]))).TrimEnd())) + "\n";
    }

    private static string Number(double v) => v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Raw(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n']) < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
