using GmTools.Server.Tests.GameLink;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Xunit.Abstractions;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Telemetry;

/// <summary>The Prometheus endpoint on a port of its own, a backlog snapshot every ten seconds of the fake clock.</summary>
public sealed class MetricsFixture : ServerFixture
{
    public static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    public int MetricsPort { get; } = TestPorts.Free();

    public Uri Endpoint => new($"http://localhost:{MetricsPort}/metrics");

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Telemetry:Prometheus:Enabled"] = "true",
        ["GmTools:Telemetry:Prometheus:Host"] = "localhost",
        ["GmTools:Telemetry:Prometheus:Port"] = MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GmTools:Telemetry:BacklogInterval"] = BacklogInterval.ToString(),
        ["GmTools:GameLink:SweepInterval"] = SweepInterval.ToString(),
        // Long, so moving the clock for the snapshots never declares the simulator's stream dead.
        ["GmTools:GameLink:HeartbeatInterval"] = TimeSpan.FromMinutes(5).ToString(),
    };
}

/// <summary>
/// Alone in its collection: the SDK's listener hears every meter named GmTools.Server in the process, so another
/// test class's server running at the same time would add its calls to these counts.
/// </summary>
[CollectionDefinition(nameof(MetricsScrapeSerial), DisableParallelization = true)]
public sealed class MetricsScrapeSerial;

[Collection(nameof(MetricsScrapeSerial))]
public sealed class MetricsScrapeTests(MetricsFixture fx, ITestOutputHelper output) : ServerTest<MetricsFixture>(fx, output), IClassFixture<MetricsFixture>
{
    private const string Gs = "gs-metrics";
    private const string RpcCount = "gmtools_rpc_server_duration_seconds_count";
    private const string RpcInfBucket = "gmtools_rpc_server_duration_seconds_bucket";
    private const string Pending = "gmtools_gamelink_commands_pending";
    private const string OldestAge = "gmtools_gamelink_commands_oldest_unacked_age_seconds";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_ban_is_counted_by_method_and_status_and_its_game_servers_backlog_rises_ages_and_drains_on_the_acks()
    {
        var credential = await Fx.GameServerCredentialAsync(Gs);
        await Fx.AddPlayerAsync("p-metrics", Gs);
        var staff = Fx.Staff("gm-metrics");
        var before = await ScrapeAsync();
        Assert.Null(before.Find(Pending, ("game_server", Gs)));

        await staff.IssueSanctionAsync(Ban("p-metrics", OnServer(Gs)));
        await RefusedAsync(() => staff.IssueSanctionAsync(Ban("", OnServer(Gs))).ResponseAsync, StatusCode.InvalidArgument);
        var queued = await Fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE game_server_id = @gs AND outcome IS NULL", ("gs", Gs));
        Assert.Equal(2, queued); // the kick and the ban notice

        // The next snapshot (one tick of the fake clock) shows the game server's backlog; the RPCs are counted at once.
        Fx.Clock.Advance(MetricsFixture.BacklogInterval);
        var after = await ScrapeUntilAsync(s => s.Find(Pending, ("game_server", Gs)) == queued, "the backlog snapshot with the ban's two commands");
        Assert.Equal(IssueSanctions(before, "OK") + 1, IssueSanctions(after, "OK"));
        Assert.Equal(IssueSanctions(before, "InvalidArgument") + 1, IssueSanctions(after, "InvalidArgument"));
        Assert.Equal(IssueSanctions(after, "OK"), after.Find(RpcInfBucket, Method("OK").Append(("le", "+Inf")).ToArray()));
        Assert.Equal(queued, after.Find("gmtools_gamelink_backlog_commands"));
        Assert.Equal(1, after.Find("gmtools_gamelink_backlog_game_servers"));

        // The oldest command's age grows with the clock between snapshots, as an alert on it needs.
        Fx.Clock.Advance(TimeSpan.FromMinutes(2));
        var aged = await ScrapeUntilAsync(s => s.Find(OldestAge, ("game_server", Gs)) >= 130, "the oldest command's age to follow the clock");
        Assert.InRange(aged.Find(OldestAge, ("game_server", Gs)) ?? -1, 130, 131);

        await using (var sim = GameLinkTestKit.Start(GameLinkTestKit.Sim(Fx.Server, Gs, credential)))
        {
            await GameLinkTestKit.PollAsync(async () => (await GameLinkTestKit.RowsAsync(Fx.Server, Gs)).All(r => r.Outcome is not null), "the game server to settle both commands");
            var connected = await ScrapeUntilAsync(s => s.Find("gmtools_gamelink_streams") == 1, "the stream to be counted");
            var sweeps = connected.Find("gmtools_gamelink_sweeps_total") ?? 0;

            Fx.Clock.Advance(MetricsFixture.BacklogInterval);
            var drained = await ScrapeUntilAsync(s => s.Find(Pending, ("game_server", Gs)) is null && s.Find("gmtools_gamelink_sweeps_total") > sweeps,
                "the next snapshot without the game server's backlog, and a sweep");
            Assert.Equal(0, drained.Find("gmtools_gamelink_backlog_commands"));
            Assert.InRange(drained.Find("gmtools_gamelink_last_sweep_age_seconds") ?? -1, 0, MetricsFixture.SweepInterval.TotalSeconds);
        }
    }

    [Fact]
    public async Task The_dashboard_the_alert_rules_and_the_docs_cover_every_metric_under_its_scraped_name()
    {
        var catalog = MetricCatalog.Published();
        Assert.Contains("gmtools.gamelink.commands.pending", catalog.Keys);
        var series = catalog.Values.SelectMany(v => v).ToHashSet(StringComparer.Ordinal);

        // The translation is Prometheus's: what the gauges (always observed) and an RPC's histogram yield is in a real scrape.
        await new Contracts.V1.GameServerService.GameServerServiceClient(Fx.StaffChannel("adm-catalog", Security.Role.Admin))
            .ListGameServersAsync(new Contracts.V1.ListGameServersRequest());
        var scraped = (await ScrapeAsync()).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in new[] { "gmtools.rpc.server.duration", "gmtools.gamelink.streams", "gmtools.gamelink.sweeps", "gmtools.gamelink.last_sweep_age", "gmtools.gamelink.backlog.commands" })
        {
            Assert.All(catalog[name], s => Assert.Contains(s, scraped));
        }

        var dashboard = ObservabilityFiles.DashboardQueries();
        Assert.All(dashboard.SelectMany(MetricCatalog.Referenced), s => Assert.Contains(s, series));
        Assert.All(catalog, i => Assert.True(dashboard.Any(q => i.Value.Any(q.Contains)), $"no dashboard panel shows {i.Key}"));

        var alerts = ObservabilityFiles.AlertRules();
        Assert.All(alerts.SelectMany(a => MetricCatalog.Referenced(a.Expr)), s => Assert.Contains(s, series));
        Assert.Contains(alerts, a => a.Expr.Contains("gmtools_gamelink_commands_pending", StringComparison.Ordinal));
        Assert.Contains(alerts, a => a.Expr.Contains("gmtools_gamelink_commands_oldest_unacked_age_seconds", StringComparison.Ordinal));
        Assert.Contains(alerts, a => a.Expr.Contains("gmtools_gamelink_last_sweep_age_seconds", StringComparison.Ordinal));

        var docs = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "docs", "observability.md"));
        Assert.All(catalog.Keys, name => Assert.Contains($"`{name}`", docs));
    }

    private static (string, string)[] Method(string status) =>
        [("rpc_service", "gmtools.v1.SanctionService"), ("rpc_method", "IssueSanction"), ("rpc_grpc_status", status)];

    private static double IssueSanctions(IReadOnlyList<PrometheusSample> scrape, string status) => scrape.Find(RpcCount, Method(status)) ?? 0;

    private async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync() => await PrometheusScrape.ReadAsync(Http, Fx.Endpoint);

    /// <summary>
    /// The snapshot is taken on the host's own task after the clock moved, and the exporter serves a scrape from its
    /// cache for 300 ms: polled with a bounded real-time wait.
    /// </summary>
    private async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(Func<IReadOnlyList<PrometheusSample>, bool> condition, string what)
    {
        IReadOnlyList<PrometheusSample> last = [];
        await GameLinkTestKit.PollAsync(async () => condition(last = await ScrapeAsync()), what);
        return last;
    }
}
