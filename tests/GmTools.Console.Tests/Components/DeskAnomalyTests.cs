using Bunit;
using GmTools.Console.Components.Layout;
using GmTools.Console.Components.Pages.CheaterCases;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>A cheater case's decision forms, and what each role is offered on the desk's pages and menu.</summary>
public sealed class DeskAnomalyTests : ComponentTest
{
    private readonly FakeAnomalies _anomalies = new();

    public DeskAnomalyTests() => Services.AddSingleton<AnomalyService.AnomalyServiceClient>(_anomalies);

    private IRenderedComponent<AnomalyCaseDetail> RenderCase(Role role, string[] permissions)
    {
        SignedInAs(role, permissions);
        RenderPopoverHost();
        var cut = Render<AnomalyCaseDetail>(p => p.Add(x => x.CaseId, 9));
        cut.WaitForAssertion(() => Assert.Contains("ban of 7 d", cut.Find("[data-testid='anomaly-proposal']").TextContent, StringComparison.Ordinal));
        return cut;
    }

    private static string FieldText(IRenderedComponent<AnomalyCaseDetail> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void Confirming_with_the_proposal_sends_no_end_and_needs_a_note()
    {
        var cut = RenderCase(Role.Gm, DeskPermissions.Gm);
        Assert.Single(cut.FindAll("[data-testid='case-report']"));
        Assert.Equal("p10", cut.Find("[data-testid='linked-player']").GetAttribute("data-player-id"));

        cut.Find("[data-testid='confirm-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "confirm-note"), StringComparison.Ordinal));
        Assert.Empty(_anomalies.Confirmed);

        cut.Find("[data-testid='confirm-note']").Change("三份报告一致 reports agree");
        cut.Find("[data-testid='confirm-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("confirmed", cut.Find("[data-testid='anomaly-case-header']").GetAttribute("data-state")));
        var sent = Assert.Single(_anomalies.Confirmed);
        Assert.Equal((SanctionKind.Ban, (SanctionEnd?)null, ""), (sent.Sanction.Kind, sent.Sanction.End, sent.Sanction.OverrideReason));
        Assert.Equal("77", cut.Find("[data-testid='anomaly-case-header']").GetAttribute("data-sanction-id"));
        Assert.Empty(cut.FindAll("[data-testid='confirm-panel']"));
    }

    [Fact]
    public void Another_end_than_the_proposal_needs_a_reason_and_is_sent_as_a_duration()
    {
        var cut = RenderCase(Role.Gm, DeskPermissions.Gm);
        cut.Find("[data-testid='confirm-end-Duration']").Click();
        cut.Find("[data-testid='confirm-duration']").Change("30");
        cut.Find("[data-testid='confirm-note']").Change("repeat offender");
        cut.Find("[data-testid='confirm-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("ladder", FieldText(cut, "confirm-override"), StringComparison.Ordinal));
        Assert.Empty(_anomalies.Confirmed);

        cut.Find("[data-testid='confirm-override']").Change("second ring this month");
        cut.Find("[data-testid='confirm-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Single(_anomalies.Confirmed));
        var sent = _anomalies.Confirmed[0];
        Assert.Equal(TimeSpan.FromDays(30), sent.Sanction.End.Duration.ToTimeSpan());
        Assert.Equal("second ring this month", sent.Sanction.OverrideReason);
    }

    [Fact]
    public void Dismissing_needs_a_reason()
    {
        var cut = RenderCase(Role.Gm, DeskPermissions.Gm);
        cut.Find("[data-testid='dismiss-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "dismiss-reason"), StringComparison.Ordinal));
        Assert.Empty(_anomalies.Dismissed);
        cut.Find("[data-testid='dismiss-reason']").Change("lag spike on s1, not a hack");
        cut.Find("[data-testid='dismiss-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("dismissed", cut.Find("[data-testid='anomaly-case-header']").GetAttribute("data-state")));
        Assert.Equal("lag spike on s1, not a hack", Assert.Single(_anomalies.Dismissed).Reason);
    }

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.Agent)]
    public void Who_may_not_review_reads_the_case_but_is_offered_no_decision(Role role)
    {
        var cut = RenderCase(role, role == Role.Viewer ? DeskPermissions.Viewer : DeskPermissions.Agent);
        foreach (var id in new[] { "confirm-panel", "dismiss-panel", "anomaly-claim", "note-submit" })
        {
            Assert.Empty(cut.FindAll($"[data-testid='{id}']"));
        }
    }

    [Fact]
    public void Another_gms_claim_offers_no_decision()
    {
        _anomalies.Case.State = AnomalyCaseState.Claimed;
        _anomalies.Case.ClaimedBy = "gia.gm";
        var cut = RenderCase(Role.Gm, DeskPermissions.Gm);
        Assert.Empty(cut.FindAll("[data-testid='confirm-panel']"));
        Assert.Single(cut.FindAll("[data-testid='note-submit']"));
    }

    [Theory]
    [InlineData(Role.Viewer, new[] { "nav-cases", "nav-anomalies" }, new[] { "nav-my-visits", "nav-vip-team", "nav-vip-reports", "nav-recharge-approvals" })]
    [InlineData(Role.Agent, new[] { "nav-my-visits", "nav-cases", "nav-case-reports" }, new[] { "nav-vip-team", "nav-vip-reports", "nav-recharge-approvals" })]
    [InlineData(Role.Supervisor, new[] { "nav-my-visits", "nav-vip-team", "nav-vip-reports", "nav-recharge-approvals", "nav-anomaly-stats" }, new string[0])]
    public void The_menu_offers_each_role_its_desk_pages(Role role, string[] offered, string[] hidden)
    {
        SignedInAs(role, role switch { Role.Viewer => DeskPermissions.Viewer, Role.Agent => DeskPermissions.Agent, _ => DeskPermissions.Supervisor });
        var cut = Render<NavMenu>();
        Assert.All(offered, id => Assert.Single(cut.FindAll($"[data-testid='{id}']")));
        Assert.All(hidden, id => Assert.Empty(cut.FindAll($"[data-testid='{id}']")));
    }
}
