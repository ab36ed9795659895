using Bunit;
using GmTools.Console.Components.Pages.VipCare;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The agent's visit queue and the outcome form: what each outcome sends, what is refused before sending.</summary>
public sealed class DeskVisitTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);
    private readonly FakeVipCare _vip = new();

    public DeskVisitTests()
    {
        Services.AddSingleton<VipCareService.VipCareServiceClient>(_vip);
        _vip.Visits.Add(FakeVipCare.Open(1, "agent.tester", Now.AddHours(5)));
        _vip.Visits.Add(FakeVipCare.Open(2, "agent.tester", Now.AddHours(9), overdue: true));
        _vip.Visits.Add(FakeVipCare.Open(3, "", Now.AddHours(1)));
    }

    private IRenderedComponent<MyVisits> RenderQueue()
    {
        SignedInAs(Role.Agent, DeskPermissions.Agent);
        var cut = Render<MyVisits>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='visit-row']").Count));
        return cut;
    }

    private static string FieldText(IRenderedComponent<MyVisits> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void Overdue_visits_come_first_then_by_due_time_and_unassigned_ones_on_request()
    {
        var cut = RenderQueue();
        Assert.Equal(["2", "1"], cut.FindAll("[data-testid='visit-row']").Select(r => r.GetAttribute("data-visit-id")!));

        cut.Find("[data-testid='visits-unassigned']").Change(true);
        cut.WaitForAssertion(() => Assert.Equal(["2", "3", "1"], cut.FindAll("[data-testid='visit-row']").Select(r => r.GetAttribute("data-visit-id")!)));
        // Nobody's visit may be claimed, not recorded before that; one's own may be recorded.
        Assert.Empty(cut.FindAll("[data-testid='visit-record-3']"));
        cut.Find("[data-testid='visit-claim-3']").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='visit-record-3']")));
        Assert.Equal(3, Assert.Single(_vip.Claims).VisitId);
    }

    [Fact]
    public void Nothing_is_sent_without_an_outcome_and_call_back_needs_its_time()
    {
        var cut = RenderQueue();
        cut.Find("[data-testid='visit-record-1']").Click();
        cut.Find("[data-testid='outcome-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Pick an outcome", cut.Find("[data-testid='outcome-panel']").TextContent, StringComparison.Ordinal));

        cut.Find("[data-testid='outcome-call_back']").Click();
        cut.Find("[data-testid='outcome-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "outcome-call-back"), StringComparison.Ordinal));
        Assert.Empty(_vip.Recorded);
    }

    [Fact]
    public void Not_reached_sends_no_satisfaction_and_shows_the_rescheduled_time()
    {
        var cut = RenderQueue();
        cut.Find("[data-testid='visit-record-1']").Click();
        cut.Find("[data-testid='outcome-reached']").Click();
        cut.Find("[data-testid='outcome-satisfaction']").Change("4");
        cut.Find("[data-testid='outcome-not_reached']").Click();
        cut.Find("[data-testid='outcome-notes']").Change("无人接听");
        cut.Find("[data-testid='outcome-panel'] form").Submit();

        cut.WaitForAssertion(() => Assert.Equal("open", cut.Find("[data-testid='visit-result']").GetAttribute("data-state")));
        var sent = Assert.Single(_vip.Recorded);
        Assert.Equal((VisitOutcome.NotReached, 0, false, "无人接听"), (sent.Outcome, sent.Satisfaction, sent.FollowUpNeeded, sent.Notes));
        Assert.Null(sent.CallBackAt);
        Assert.NotEmpty(sent.IdempotencyKey);
        // Asia/Shanghai, the default zone: 11:00 UTC is 19:00.
        Assert.Contains("2026-12-03 19:00:00 (UTC+08:00)", cut.Find("[data-testid='visit-result']").TextContent, StringComparison.Ordinal);
        Assert.Contains("rescheduled", cut.Find("[data-testid='visit-result']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retry_after_a_refusal_keeps_the_key_and_the_server_marks_the_field()
    {
        _vip.Answers.Enqueue(_ => Calls.Fail<RecordVisitOutcomeResponse>(Calls.InvalidArgument(("satisfaction", "must be 1..5"))));
        var cut = RenderQueue();
        cut.Find("[data-testid='visit-record-1']").Click();
        cut.Find("[data-testid='outcome-reached']").Click();
        cut.Find("[data-testid='outcome-satisfaction']").Change("5");
        cut.Find("[data-testid='outcome-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("must be 1..5", FieldText(cut, "outcome-satisfaction"), StringComparison.Ordinal));

        cut.Find("[data-testid='outcome-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid='visit-result']").GetAttribute("data-state")));
        Assert.Equal(2, _vip.Recorded.Count);
        Assert.Equal(_vip.Recorded[0].IdempotencyKey, _vip.Recorded[1].IdempotencyKey);
        Assert.Equal(5, _vip.Recorded[1].Satisfaction);
    }

    [Fact]
    public void The_report_draws_each_chart_from_the_servers_rows()
    {
        SignedInAs(Role.Supervisor, DeskPermissions.Supervisor);
        var cut = Render<VipReports>();
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid='vip-report']").GetAttribute("data-agents")));
        Assert.Equal([VisitReportGrouping.Agent, VisitReportGrouping.Week, VisitReportGrouping.Tier], _vip.Reports.Select(r => r.GroupBy));
        Assert.All(_vip.Reports, r => Assert.Equal(TimeSpan.FromDays(56), r.To.ToDateTimeOffset() - r.From.ToDateTimeOffset()));
        foreach (var chart in new[] { "chart-completed-Agent", "chart-rates-Agent", "chart-completed-Week", "chart-rates-Week", "chart-satisfaction-tier", "chart-reach-band" })
        {
            Assert.Equal("1", cut.Find($"[data-testid='{chart}']").GetAttribute("data-labels"));
        }
        Assert.Contains("75 %", cut.Find("[data-testid='report-table-Agent']").TextContent, StringComparison.Ordinal);
        Assert.Contains("8 / 10", cut.Find("[data-testid='band-table']").TextContent, StringComparison.Ordinal);
    }
}
