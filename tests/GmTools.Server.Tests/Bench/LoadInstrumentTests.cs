using GmTools.Bench.Load;

namespace GmTools.Server.Tests.Bench;

/// <summary>The load instrument's own logic: histogram summary, ratio table, pass/fail. No network, no clock.</summary>
public sealed class LoadInstrumentTests
{
    [Fact]
    public void The_summary_reads_percentiles_and_max_from_the_histogram_in_milliseconds()
    {
        var histogram = LatencySummary.NewHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.RecordValue(ms * 1000L); // recorded in microseconds
        }

        var summary = LatencySummary.Of(histogram);

        Assert.Equal(1000, summary.Count);
        Assert.InRange(summary.P50Ms, 499.5, 500.5); // three significant digits
        Assert.InRange(summary.P90Ms, 899.5, 900.5);
        Assert.InRange(summary.P99Ms, 989.5, 990.5);
        Assert.InRange(summary.P999Ms, 998.5, 999.5);
        Assert.InRange(summary.MaxMs, 999.5, 1000.5);
    }

    [Fact]
    public void An_empty_histogram_is_no_figure_and_its_row_is_not_measured()
    {
        var summary = LatencySummary.Of(LatencySummary.NewHistogram());
        var row = new LoadRow("p99 of nothing", summary.P99Ms, "ms", Target: new Target.AtMost(5, "ms"), Latency: summary);

        Assert.True(double.IsNaN(summary.P99Ms));
        Assert.Equal(Verdict.NotMeasured, row.Verdict);
        Assert.Equal("", summary.Text);
    }

    [Theory]
    [InlineData(900, 1000, true)]
    [InlineData(899, 1000, false)]
    public void A_share_of_the_baseline_passes_from_the_share_up(double figure, double baseline, bool pass)
    {
        var row = new LoadRow("CheckAccess", figure, "calls/s", "echo", baseline, new Target.ShareOfBaseline(0.9));

        Assert.Equal(figure / baseline, row.Ratio);
        Assert.Equal(pass ? Verdict.Pass : Verdict.Fail, row.Verdict);
    }

    [Theory]
    [InlineData(14_250, 15_000, true)] // the echo itself stays below 20,000: 90 % of it is enough
    [InlineData(27_500, 30_000, true)]
    [InlineData(20_000, 21_000, true)]
    [InlineData(19_000, 21_000, false)] // 90.5 % of an echo that reaches 20,000, but below 20,000
    [InlineData(21_000, 30_000, false)] // 70 %
    public void The_share_with_a_floor_applies_the_floor_only_where_the_baseline_allows_it(double figure, double baseline, bool pass)
    {
        var row = new LoadRow("CheckAccess hot", figure, "calls/s", "echo", baseline, new Target.ShareWithFloor(0.9, 20_000, baseline));

        Assert.Equal(pass ? Verdict.Pass : Verdict.Fail, row.Verdict);
    }

    [Theory]
    [InlineData(4.9, Verdict.Pass)]
    [InlineData(5.0, Verdict.Pass)]
    [InlineData(5.1, Verdict.Fail)]
    public void A_latency_bound_passes_at_or_below_it(double p99, Verdict expected) =>
        Assert.Equal(expected, new LoadRow("half rate p99", p99, "ms", Target: new Target.AtMost(5, "ms")).Verdict);

    [Fact]
    public void A_baseline_has_no_verdict_and_a_path_not_run_says_where_it_is_measured()
    {
        var baseline = new LoadRow("pgbench -N", 4_000, "TPS");
        var elsewhere = LoadRow.NotMeasured("ban → kick", "≤ 50 ms", "bash bench/gamelink.sh");

        Assert.Equal(Verdict.Info, baseline.Verdict);
        Assert.Null(baseline.Ratio);
        Assert.Equal(Verdict.NotMeasured, elsewhere.Verdict);
        Assert.Equal("≤ 50 ms", elsewhere.Target!.Text);
    }

    [Fact]
    public void The_table_has_one_line_per_row_in_markdown_and_csv_with_cells_quoted()
    {
        var report = new LoadReport("Load, test", "machine: test");
        report.Add(new LoadRow("bare echo", 10_000, "calls/s"));
        report.Add(new LoadRow("CheckAccess, 1,000 hot players", 9_500, "calls/s", "echo", 10_000, new Target.ShareOfBaseline(0.9)));
        report.Add(new LoadRow("mute", 500, "mutes/s", "pgbench -N", 4_000, new Target.ShareOfBaseline(0.2)));

        var markdown = report.Markdown().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var csv = report.Csv().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("| path | figure | baseline | ratio | target | pass/fail | latency | note |", markdown[2]);
        Assert.Equal(4 + 3, markdown.Length); // title, machine, header, rule, three rows
        Assert.Contains(markdown, l => l.StartsWith("| CheckAccess, 1,000 hot players | 9,500 calls/s | 10,000 (echo) | 95.0 % | ≥ 90 % of baseline | pass |", StringComparison.Ordinal));
        Assert.Contains(markdown, l => l.StartsWith("| mute | 500 mutes/s | 4,000 (pgbench -N) | 12.5 % | ≥ 20 % of baseline | FAIL |", StringComparison.Ordinal));
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("\"CheckAccess, 1,000 hot players\",9500,calls/s,10000,echo,0.95,", csv[2], StringComparison.Ordinal);
        Assert.Empty(report.MissingFigures);
    }
}
