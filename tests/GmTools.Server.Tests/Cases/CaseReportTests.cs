using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Cases;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

/// <summary>Bug reports on b1 (export capped at 3 rows), the report's known data set on b2; no Quartz: the tests sweep.</summary>
public sealed class CaseReportFixture : ServerFixture
{
    public string B2Credential { get; private set; } = "";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Cases:ExportMaxRows"] = "3",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("b1");
        B2Credential = await GameServerCredentialAsync("b2");
        await this.AddPlayerAsync("p-b1", "b1");
        await this.AddPlayerAsync("p-b2", "b2");
    }
}

public sealed class CaseReportTests(CaseReportFixture fx) : IClassFixture<CaseReportFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private CaseService.CaseServiceClient As(string user, Role role = Role.Agent) => fx.Cases(user, role);

    private async Task<long> OpenAsync(string player, string kind, Action<OpenCaseRequest>? change = null)
    {
        var request = CaseKit.Open(player, kind, Now).With(r => r.Record.GameServerId = player == "p-b2" ? "b2" : "b1");
        change?.Invoke(request);
        return (await As("amy").OpenCaseAsync(request)).Case.CaseId;
    }

    private async Task MoveAsync(string who, long id, CaseState to, string note = "") =>
        await As(who).ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = to, Note = note });

    private async Task RespondAsync(string who, long id)
    {
        await As(who).AssignCaseAsync(new AssignCaseRequest { CaseId = id });
        await As(who).AddCaseNoteAsync(new AddCaseNoteRequest { CaseId = id, Text = "on it" });
    }

    private Task<RecordCaseSatisfactionResponse> RateAsync(long id, int rating) =>
        As("amy").RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = id, Rating = rating, Comment = "ok" }).ResponseAsync;

    [Fact]
    public async Task Report_figures_by_agent_kind_and_week_on_a_known_data_set()
    {
        var t0 = Now;
        var a = await OpenAsync("p-b2", "complaint");                      // amy: answered after 2 h, resolved after 1 day, rated 5
        fx.Clock.Advance(TimeSpan.FromHours(1));
        var b = await OpenAsync("p-b2", "complaint");                      // bob: answered after 5 h, resolved, reopened, resolved after 3 d 23 h, rated 3
        fx.Clock.Advance(TimeSpan.FromHours(1));
        var c = await OpenAsync("p-b2", "bug", r => { r.Record.GameArea = "trade"; }); // nobody: both deadlines breached
        await RespondAsync("amy", a);
        await MoveAsync("amy", a, CaseState.InProgress);
        fx.Clock.Advance(TimeSpan.FromHours(4));
        await RespondAsync("bob", b);
        await MoveAsync("bob", b, CaseState.InProgress);
        fx.Clock.Advance(t0.AddDays(1) - Now);
        await MoveAsync("amy", a, CaseState.Resolved, "refunded");
        await RateAsync(a, 5);
        fx.Clock.Advance(t0.AddDays(2) - Now);
        await MoveAsync("bob", b, CaseState.Resolved, "explained");
        fx.Clock.Advance(t0.AddDays(3).AddHours(3) - Now);
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<CaseSlaWatch>().SweepAsync(CancellationToken.None);
        }
        fx.Clock.Advance(TimeSpan.FromHours(1));
        await MoveAsync("bob", b, CaseState.InProgress, "the player wrote back");
        fx.Clock.Advance(t0.AddDays(4) - Now);
        await MoveAsync("bob", b, CaseState.Resolved, "explained again");
        await RateAsync(b, 3);

        async Task<List<CaseReportRow>> Report(CaseReportGrouping by) => [.. (await As("sue", Role.Supervisor).GetCaseReportAsync(new GetCaseReportRequest
        {
            From = Timestamp.FromDateTimeOffset(t0), To = Timestamp.FromDateTimeOffset(t0.AddDays(1)), GroupBy = by, GameServerId = "b2",
        })).Rows];
        static object Figures(CaseReportRow r) => (r.Key, r.Volume, r.AverageFirstResponse.Seconds, r.Responded, r.AverageResolution.Seconds, r.Resolved,
            r.SlaMetRate, r.SlaKnown, r.AverageSatisfaction, r.Rated, r.ReopenRate);

        Assert.Equal(
            [("", 1L, 0L, 0L, 0L, 0L, 0.0, 1L, 0.0, 0L, 0.0), ("amy", 1L, 7_200L, 1L, 86_400L, 1L, 1.0, 1L, 5.0, 1L, 0.0), ("bob", 1L, 18_000L, 1L, 342_000L, 1L, 1.0, 1L, 3.0, 1L, 1.0)],
            (await Report(CaseReportGrouping.Agent)).Select(Figures));
        Assert.Equal(
            [("bug", 1L, 0L, 0L, 0L, 0L, 0.0, 1L, 0.0, 0L, 0.0), ("complaint", 2L, 12_600L, 2L, 214_200L, 2L, 1.0, 2L, 4.0, 2L, 0.5)],
            (await Report(CaseReportGrouping.Kind)).Select(Figures));
        var weeks = new[] { t0, t0.AddHours(1), t0.AddHours(2) }
            .GroupBy(t => DateOnly.FromDateTime(t.UtcDateTime).AddDays(-(((int)t.UtcDateTime.DayOfWeek + 6) % 7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Select(g => (g.Key, (long)g.Count()));
        Assert.Equal(weeks, (await Report(CaseReportGrouping.Week)).Select(r => (r.Key, r.Volume)));

        // Outside the scope nothing shows; a bad window is refused by name.
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc", ["b1"], Role.Supervisor)));
        Assert.Empty((await scoped.GetCaseReportAsync(new GetCaseReportRequest { From = Timestamp.FromDateTimeOffset(t0), To = Timestamp.FromDateTimeOffset(t0.AddDays(1)), GroupBy = CaseReportGrouping.Kind, GameServerId = "b2" })).Rows);
        var bad = await RefusedAsync(() => As("sue", Role.Supervisor).GetCaseReportAsync(new GetCaseReportRequest { From = Timestamp.FromDateTimeOffset(t0), To = Timestamp.FromDateTimeOffset(t0.AddDays(400)) }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["group_by"], bad.Fields());
        var span = await RefusedAsync(() => As("sue", Role.Supervisor).GetCaseReportAsync(new GetCaseReportRequest { From = Timestamp.FromDateTimeOffset(t0), To = Timestamp.FromDateTimeOffset(t0.AddDays(400)), GroupBy = CaseReportGrouping.Week }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["to"], span.Fields());
    }

    [Fact]
    public async Task Satisfaction_is_1_to_5_on_resolved_cases_by_staff_or_the_players_own_game_server()
    {
        var id = await OpenAsync("p-b2", "complaint");
        var gs = new CaseService.CaseServiceClient(fx.Server.Channel(fx.B2Credential));
        var before = await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.satisfaction'");
        await RefusedAsync(() => gs.RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = id, Rating = 4 }).ResponseAsync, StatusCode.FailedPrecondition);
        await MoveAsync("amy", id, CaseState.InProgress);
        await MoveAsync("amy", id, CaseState.Resolved, "done");
        foreach (var rating in new[] { 0, 6, -1 })
        {
            Assert.Equal(["rating"], (await RefusedAsync(() => gs.RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = id, Rating = rating }).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        }
        var otherServer = await OpenAsync("p-b1", "complaint");
        await RefusedAsync(() => gs.RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = otherServer, Rating = 4 }).ResponseAsync, StatusCode.NotFound);
        Assert.Equal(before, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.satisfaction'"));

        var rated = (await gs.RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = id, Rating = 4, Comment = "快，谢谢" })).Case;
        Assert.Equal((4, "快，谢谢"), (rated.Satisfaction, rated.SatisfactionComment));
        Assert.Equal(2, (await As("amy").RecordCaseSatisfactionAsync(new RecordCaseSatisfactionRequest { CaseId = id, Rating = 2, Comment = "on the phone: not happy after all" })).Case.Satisfaction);
        Assert.Equal(before + 2, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.satisfaction'"));
    }

    [Fact]
    public async Task Bug_reports_are_tallied_by_area_and_version_duplicates_point_at_one_master_and_export_is_bounded_csv()
    {
        var from = Timestamp.FromDateTimeOffset(Now);
        var first = await OpenAsync("p-b1", "bug");
        var second = await OpenAsync("p-b1", "bug");
        var third = await OpenAsync("p-b1", "bug", r => r.Summary = "=HYPERLINK(\"http://evil\",\"click\")");
        var login = await OpenAsync("p-b1", "bug", r => { r.Record.GameArea = "login"; r.Record.ClientVersion = "1.4.3"; });
        var complaint = await OpenAsync("p-b1", "complaint");
        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        var to = Timestamp.FromDateTimeOffset(Now);

        var agent = As("amy");
        Task<MarkDuplicateBugResponse> Mark(long id, long master) => agent.MarkDuplicateBugAsync(new MarkDuplicateBugRequest { CaseId = id, MasterCaseId = master }).ResponseAsync;
        Assert.Equal(first, (await Mark(second, first)).MasterCaseId);
        Assert.Equal(first, (await Mark(third, second)).MasterCaseId); // the master's own master
        await RefusedAsync(() => Mark(first, third), StatusCode.FailedPrecondition); // its own duplicate
        await RefusedAsync(() => Mark(complaint, first), StatusCode.FailedPrecondition);
        Assert.Equal(["master_case_id"], (await RefusedAsync(() => Mark(first, first), StatusCode.InvalidArgument)).Fields());

        async Task<List<(string, string, long, long, long)>> Tally(CaseService.CaseServiceClient client) =>
            [.. (await client.TallyBugReportsAsync(new TallyBugReportsRequest { OpenedFrom = from, OpenedTo = to, GameServerId = "b1" })).Tallies
                .Select(t => (t.GameArea, t.ClientVersion, t.Reports, t.Masters, t.Open))];
        Assert.Equal([("dungeon", "1.4.2", 3L, 1L, 3L), ("login", "1.4.3", 1L, 1L, 1L)], await Tally(agent));

        // The master itself becomes a duplicate: its duplicates follow it, one level still.
        Assert.Equal(login, (await Mark(first, login)).MasterCaseId);
        foreach (var id in new[] { first, second, third })
        {
            Assert.Equal(login, (await agent.GetCaseAsync(new GetCaseRequest { CaseId = id })).Case.DuplicateOf);
        }
        Assert.Equal([("dungeon", "1.4.2", 3L, 0L, 3L), ("login", "1.4.3", 1L, 1L, 1L)], await Tally(agent));
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc2", ["b2"], Role.Supervisor)));
        Assert.Empty((await scoped.TallyBugReportsAsync(new TallyBugReportsRequest { OpenedFrom = from, OpenedTo = to })).Tallies);
        Assert.Empty(await Tally(scoped));

        var export = await agent.ExportBugReportsAsync(new ExportBugReportsRequest { OpenedFrom = from, OpenedTo = to, GameServerId = "b1" });
        Assert.Equal((3, true), (export.Rows, export.Truncated));
        var lines = export.Csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("case_id,opened_at,game_server_id,state,priority,game_area,client_version,event_time,summary,description,duplicate_of", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith(first.ToString(CultureInfo.InvariantCulture) + ",", lines[1]);
        Assert.EndsWith("," + login.ToString(CultureInfo.InvariantCulture), lines[1]);
        Assert.DoesNotContain(",=HYPERLINK", export.Csv);
        Assert.Contains("'=HYPERLINK", export.Csv);
        Assert.DoesNotContain("qq:12345", export.Csv); // no personal data
        Assert.DoesNotContain("acc-1", export.Csv);
        Assert.Empty((await scoped.ExportBugReportsAsync(new ExportBugReportsRequest { OpenedFrom = from, OpenedTo = to })).Csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1));
    }
}
