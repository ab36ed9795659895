using Bunit;
using GmTools.Console.Components.Pages.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The case queue's SLA order and countdown, and the open-case form's required record fields per kind.</summary>
public sealed class DeskCaseTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);
    private readonly FakeCases _cases = new();

    public DeskCaseTests()
    {
        Services.AddSingleton<CaseService.CaseServiceClient>(_cases);
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
    }

    [Fact]
    public void Breached_cases_come_first_then_the_nearest_deadline_with_its_countdown()
    {
        _cases.Cases.Add(FakeCases.Case(1, "agent.tester", Now.AddDays(2)));
        _cases.Cases.Add(FakeCases.Case(2, "agent.tester", Now.AddHours(3)));
        _cases.Cases.Add(FakeCases.Case(3, "agent.tester", Now.AddHours(-1), breached: true));
        _cases.Cases.Add(FakeCases.Case(4, "agent.tester", Now.AddMinutes(30), state: CaseState.Resolved));
        SignedInAs(Role.Agent, DeskPermissions.Agent);
        RenderPopoverHost();
        var cut = Render<CaseQueue>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid='case-row']").Count));

        var rows = cut.FindAll("[data-testid='case-row']");
        Assert.Equal(["3", "2", "1"], rows.Select(r => r.GetAttribute("data-case-id")!));
        Assert.Equal(["breached", "near", "ok"], rows.Select(r => r.GetAttribute("data-urgency")!));
        Assert.Contains("late by 1 h", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("due in 3 h", rows[1].TextContent, StringComparison.Ordinal);
        // An agent starts at their own cases.
        Assert.Equal("agent.tester", _cases.Listed[0].Assignee);

        cut.Find("[data-testid='cases-open-only']").Change(false);
        cut.WaitForAssertion(() => Assert.Equal("4", cut.FindAll("[data-testid='case-row']")[^1].GetAttribute("data-case-id")));
    }

    [Fact]
    public void A_supervisor_starts_at_the_teams_cases_and_a_viewer_is_offered_no_claim()
    {
        _cases.Cases.Add(FakeCases.Case(1, "", Now.AddDays(2)));
        SignedInAs(Role.Viewer, DeskPermissions.Viewer);
        RenderPopoverHost();
        var cut = Render<CaseQueue>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='case-row']")));
        Assert.Equal("", _cases.Listed[0].Assignee);
        Assert.Empty(cut.FindAll("[data-testid^='case-claim-']"));
        Assert.Empty(cut.FindAll("[data-testid='case-new']"));
    }

    private IRenderedComponent<NewCase> RenderForm()
    {
        SignedInAs(Role.Agent, DeskPermissions.Agent);
        RenderPopoverHost();
        var cut = Render<NewCase>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='case-kind-recharge']")));
        return cut;
    }

    private static string FieldText(IRenderedComponent<NewCase> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void The_kind_decides_which_record_fields_are_required_and_missing_ones_are_marked_before_sending()
    {
        var cut = RenderForm();
        Assert.Equal("false", cut.Find("[data-testid='record-field-order_reference']").GetAttribute("data-required"));
        cut.Find("[data-testid='case-kind-recharge']").Click();
        Assert.Equal("true", cut.Find("[data-testid='record-field-order_reference']").GetAttribute("data-required"));
        Assert.Equal("false", cut.Find("[data-testid='record-field-item_name']").GetAttribute("data-required"));

        cut.Find("[data-testid='case-player']").Change("p1");
        cut.Find("[data-testid='case-summary']").Change("648元充值未到账");
        cut.Find("[data-testid='record-account']").Change("acct-p1");
        cut.Find("[data-testid='record-amount']").Change("abc");
        cut.Find("[data-testid='case-form']").Closest("form")!.Submit();

        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "record-order_reference"), StringComparison.Ordinal));
        Assert.Contains("positive number", FieldText(cut, "record-amount"), StringComparison.Ordinal);
        Assert.DoesNotContain("Required", FieldText(cut, "record-account"), StringComparison.Ordinal);
        Assert.DoesNotContain("Required", FieldText(cut, "record-item_name"), StringComparison.Ordinal);
        Assert.Empty(_cases.Opened);
    }

    [Fact]
    public void A_complete_record_is_sent_in_utc_and_the_servers_violation_marks_its_field()
    {
        _cases.OpenAnswers.Enqueue(_ => Calls.Fail<OpenCaseResponse>(Calls.InvalidArgument(("record.payment_time", "must not be in the future"))));
        var cut = RenderForm();
        cut.Find("[data-testid='case-kind-recharge']").Click();
        cut.Find("[data-testid='case-player']").Change("p1");
        cut.Find("[data-testid='case-summary']").Change("648元充值未到账");
        foreach (var (field, value) in new[] { ("account", "acct-p1"), ("game_server_id", "s1"), ("payment_channel", "alipay"), ("order_reference", "ALI-1"), ("amount", "64800"), ("currency", "CNY"), ("payment_time", "2026-12-03T10:30") })
        {
            cut.Find($"[data-testid='record-{field}']").Change(value);
        }
        cut.Find("[data-testid='case-form']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Contains("must not be in the future", FieldText(cut, "record-payment_time"), StringComparison.Ordinal));

        var sent = Assert.Single(_cases.Opened);
        Assert.Equal(("recharge", "p1", 64_800L, "ALI-1"), (sent.Kind, sent.PlayerId, sent.Record.Amount, sent.Record.OrderReference));
        // 10:30 in Asia/Shanghai is 02:30 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 2, 30, 0, TimeSpan.Zero), sent.Record.PaymentTime.ToDateTimeOffset());

        cut.Find("[data-testid='case-form']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, _cases.Opened.Count));
        Assert.Equal(_cases.Opened[0].IdempotencyKey, _cases.Opened[1].IdempotencyKey);
    }
}
