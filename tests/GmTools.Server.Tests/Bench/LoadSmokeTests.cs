using GmTools.Bench.Load;
using GmTools.Server.Tests.Infrastructure;

namespace GmTools.Server.Tests.Bench;

/// <summary>
/// The load instrument at its tiny profile, end to end against the test run's PostgreSQL and Redis: every path and
/// baseline it measures gets a figure, and the Markdown, CSV and PNG are written. Figures at this size mean nothing;
/// the targets are not asserted.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class LoadSmokeTests
{
    [Fact]
    public async Task The_tiny_profile_gives_every_row_a_figure_and_writes_the_table()
    {
        var database = await TestDatabase.CreateAsync(nameof(LoadSmokeTests));
        var output = Path.Combine(Path.GetTempPath(), $"gmtools-load-smoke-{Guid.NewGuid():N}");
        var settings = new LoadBench.Settings(TestEnvironment.PostgresAdmin, TestEnvironment.Redis, Tool("pgbench", TestEnvironment.PostgresBin),
            Tool("redis-benchmark", TestEnvironment.RedisServer is { } r ? Path.GetDirectoryName(r) : null), LoadProfile.Tiny, output,
            database, $"load{Guid.NewGuid():N}:");
        try
        {
            var report = await LoadBench.MeasureAsync(settings);

            Assert.Empty(report.MissingFigures);
            var measured = report.Rows.Where(r => r.Verdict != Verdict.NotMeasured).ToList();
            Assert.True(measured.Count >= 11, $"{measured.Count} measured rows");
            Assert.All(measured, r => Assert.True(r.Figure > 0, $"{r.Path}: {r.Figure}"));
            Assert.All(report.Rows.Where(r => r.Verdict == Verdict.NotMeasured), r => Assert.NotEmpty(r.Note));
            await LoadBench.WriteAsync(report, output);
            Assert.Equal(report.Rows.Count + 1, (await File.ReadAllLinesAsync(Path.Combine(output, "load.csv"))).Length);
            Assert.Contains("| CheckAccess, 2,000 distinct players |", await File.ReadAllTextAsync(Path.Combine(output, "load.md")), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, "load.png")));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    /// <summary>A binary from the folder deploy/test.sh found PostgreSQL or Redis in, else from PATH.</summary>
    private static string Tool(string name, string? folder)
    {
        if (folder is not null && File.Exists(Path.Combine(folder, name)))
        {
            return Path.Combine(folder, name);
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{name} not found (PostgreSQL client tools / redis-tools)");
    }
}
