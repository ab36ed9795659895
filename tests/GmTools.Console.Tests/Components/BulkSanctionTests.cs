using Bunit;
using GmTools.Console.Components.Pages.Sanctions;
using GmTools.Console.State;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>Bulk sanctions from a selection: preview first, the approval when above the guard rail, then exactly what was previewed.</summary>
public sealed class BulkSanctionTests : ComponentTest
{
    private readonly FakeSanctions _sanctions = new();

    public BulkSanctionTests()
    {
        Services.AddSingleton<SanctionService.SanctionServiceClient>(_sanctions);
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
    }

    private IRenderedComponent<BulkSanctionPage> RenderBulk(params string[] selected)
    {
        SignedInAs(Role.Gm, GmPermissions);
        var selection = Services.GetRequiredService<PlayerSelection>();
        foreach (var id in selected)
        {
            selection.Toggle(id, on: true);
        }
        RenderPopoverHost();
        var cut = Render<BulkSanctionPage>();
        cut.WaitForElement("[data-testid='bulk-preview-run']");
        return cut;
    }

    private static void Preview(IRenderedComponent<BulkSanctionPage> cut, string reason = "外挂团伙 speed-hack ring")
    {
        cut.Find("[data-testid='bulk-reason']").Input(reason);
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid='bulk-preview']");
    }

    [Fact]
    public void The_preview_says_how_many_players_and_servers_it_touches_before_anything_runs()
    {
        var cut = RenderBulk("p1", "p2", "p3", "nobody");
        Preview(cut);
        var preview = cut.Find("[data-testid='bulk-preview']");
        Assert.Equal(("3", "2"), (preview.GetAttribute("data-players"), preview.GetAttribute("data-servers")));
        Assert.Contains("Mute for 3 player(s) on 2 game server(s): s1, s2 — for 1 d", cut.Find("[data-testid='bulk-touches']").TextContent, StringComparison.Ordinal);
        Assert.Contains("nobody", cut.Find("[data-testid='bulk-unknown']").TextContent, StringComparison.Ordinal);
        Assert.Contains("1 player(s) already have it", cut.Find("[data-testid='bulk-already']").TextContent, StringComparison.Ordinal);
        Assert.Empty(_sanctions.Executed);
        var sent = Assert.Single(_sanctions.Previewed);
        Assert.Equal(["nobody", "p1", "p2", "p3"], sent.PlayerIds);
        Assert.True(sent.Scope.AllGameServers);
        Assert.Equal(TimeSpan.FromDays(1), sent.End.Duration.ToTimeSpan());
    }

    [Fact]
    public void Execute_sends_exactly_the_previewed_content_with_its_token_and_one_key_for_retries()
    {
        var cut = RenderBulk("p1", "p2");
        Preview(cut);
        cut.Find("[data-testid='bulk-execute']").Click();
        cut.WaitForElement("[data-testid='bulk-results']");
        var executed = Assert.Single(_sanctions.Executed);
        Assert.Equal("token-1", executed.PreviewToken);
        Assert.Equal(_sanctions.Previewed[0], executed.Content);
        Assert.Equal(cut.Instance.ExecuteKey, executed.IdempotencyKey);
        Assert.Equal(2, cut.FindAll("[data-testid='bulk-result'][data-outcome='Sanctioned']").Count);
        // Done once: the selection is used up and the button does not run it again.
        Assert.Empty(Services.GetRequiredService<PlayerSelection>().Ids);
        Assert.True(cut.Find("[data-testid='bulk-execute']").HasAttribute("disabled"));
    }

    [Fact]
    public void Changing_the_form_after_the_preview_throws_the_preview_away()
    {
        var cut = RenderBulk("p1");
        Preview(cut);
        cut.Find("[data-testid='bulk-reason']").Input("something else");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid='bulk-preview']")));
    }

    [Fact]
    public void Above_the_guard_rail_it_runs_only_after_a_supervisor_approved()
    {
        _sanctions.NeedsApproval = true;
        var cut = RenderBulk("p1", "p2");
        Preview(cut);
        Assert.Contains("a supervisor must approve", cut.Find("[data-testid='bulk-approval']").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("[data-testid='bulk-execute']").HasAttribute("disabled"));

        _sanctions.ApprovedBy = "sam.supervisor";
        cut.Find("[data-testid='bulk-check-approval']").Click();
        cut.WaitForAssertion(() => Assert.Contains("Approved by sam.supervisor", cut.Find("[data-testid='bulk-approval']").TextContent, StringComparison.Ordinal));
        Assert.False(cut.Find("[data-testid='bulk-execute']").HasAttribute("disabled"));
    }

    [Fact]
    public void Without_players_or_reason_nothing_is_previewed()
    {
        var cut = RenderBulk();
        cut.Find("form").Submit();
        Assert.Empty(_sanctions.Previewed);
        cut.WaitForAssertion(() => Assert.Contains("Required", cut.Find("[data-testid='bulk-players']").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void The_supervisors_inbox_shows_exactly_what_is_approved_and_not_to_the_requester()
    {
        _sanctions.Pending.Add(new BulkSanction
        {
            PreviewToken = "t-1", RequestedBy = "gus.gm", Kind = SanctionKind.Ban, Scope = new SanctionScope { GameServerId = "s1" },
            End = new SanctionEnd { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(7)) },
            ReasonCode = "cheating", Reason = "外挂", PlayerIds = { "p1", "p2", "p3" }, PlayerGameServerIds = { "s1", "s1", "s2" }, PlayerCount = 3, NeedsApproval = true,
        });
        _sanctions.Pending.Add(new BulkSanction { PreviewToken = "t-2", RequestedBy = "supervisor.tester", Kind = SanctionKind.Kick, PlayerIds = { "p9" }, PlayerGameServerIds = { "s1" }, PlayerCount = 1 });
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        var cut = Render<BulkApprovals>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='bulk-inbox-item']").Count));
        var item = cut.Find("[data-testid='bulk-inbox-item'][data-token='t-1']");
        Assert.Contains("Ban", item.TextContent, StringComparison.Ordinal);
        Assert.Contains("only on s1", item.TextContent, StringComparison.Ordinal);
        Assert.Contains("for 7 d", item.TextContent, StringComparison.Ordinal);
        Assert.Contains("3 player(s) on 2 game server(s): s1, s2", item.TextContent, StringComparison.Ordinal);
        Assert.Contains("p1, p2, p3", item.TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='bulk-inbox-item'][data-token='t-2']").QuerySelector("[data-testid='bulk-inbox-own']"));

        item.QuerySelector("[data-testid='bulk-inbox-note']")!.Input("checked the report");
        cut.Find("[data-testid='bulk-inbox-item'][data-token='t-1'] [data-testid='bulk-inbox-approve']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("t-1", "checked the report"), (Assert.Single(_sanctions.BulkApprovals).PreviewToken, _sanctions.BulkApprovals[0].Note)));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='bulk-inbox-approved']")));
    }

    [Fact]
    public void An_agent_may_neither_sanction_in_bulk_nor_approve()
    {
        SignedInAs(Role.Agent, AgentPermissions);
        Render<BulkSanctionPage>().Find("[data-testid='not-allowed']");
        Render<BulkApprovals>().Find("[data-testid='not-allowed']");
    }
}

public sealed class AppealTests : ComponentTest
{
    private readonly FakeSanctions _sanctions = new();

    public AppealTests() => Services.AddSingleton<SanctionService.SanctionServiceClient>(_sanctions);

    [Fact]
    public void Overturning_an_appeal_sends_the_decision_and_says_the_sanction_is_lifted()
    {
        SignedInAs(Role.Gm, GmPermissions);
        var nav = Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo(nav.GetUriWithQueryParameter("appeal", 12L));
        var cut = Render<Appeals>();
        cut.Find("input[data-testid='appeal-overturn']").Click();
        cut.Find("[data-testid='appeal-note']").Input("the log shows no speed hack");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() =>
        {
            var sent = Assert.Single(_sanctions.AppealDecisions);
            Assert.Equal((12L, AppealState.Overturned, "the log shows no speed hack"), (sent.AppealId, sent.Decision, sent.Note));
        });
        cut.WaitForAssertion(() => Assert.Contains("Sanction #5 is lifted", cut.Find("[data-testid='appeal-result']").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void A_decision_needs_a_note()
    {
        SignedInAs(Role.Gm, GmPermissions);
        var cut = Render<Appeals>();
        cut.Find("[data-testid='appeal-id']").Change("3");
        cut.Find("form").Submit();
        Assert.Empty(_sanctions.AppealDecisions);
    }

    [Fact]
    public void An_agent_may_file_but_not_decide()
    {
        SignedInAs(Role.Agent, AgentPermissions);
        Render<Appeals>().Find("[data-testid='not-allowed']");
    }
}
