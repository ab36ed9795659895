using Bunit;
using GmTools.Console.Components.Pages.Grants;
using GmTools.Console.Security;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The approval inbox and a grant's page: who is offered which decision, and what is sent.</summary>
public sealed class GrantApprovalTests : ComponentTest
{
    private readonly FakeRewards _rewards = new();

    public GrantApprovalTests()
    {
        Services.AddSingleton<RewardService.RewardServiceClient>(_rewards);
        _rewards.Grants.Add(FakeRewards.Pending(41, "amy.agent"));
        _rewards.Grants.Add(FakeRewards.Pending(42, "supervisor.tester"));
    }

    private IRenderedComponent<GrantApprovals> RenderInbox()
    {
        RenderPopoverHost();
        var cut = Render<GrantApprovals>();
        return cut;
    }

    [Fact]
    public void The_inbox_shows_exactly_what_is_approved_and_offers_no_decision_on_ones_own_grant()
    {
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        var cut = RenderInbox();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='inbox-grant']").Count));
        var other = cut.Find("[data-testid='inbox-grant'][data-grant-id='41']");
        Assert.Contains("坐骑 Horse", other.TextContent, StringComparison.Ordinal);
        Assert.Contains("× 3", other.TextContent, StringComparison.Ordinal);
        Assert.Contains("¥150.00", other.TextContent, StringComparison.Ordinal);
        Assert.Contains("over the per-grant limit", other.TextContent, StringComparison.Ordinal);
        Assert.Contains("p1", other.QuerySelector("[data-testid='grant-recipients']")!.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(cut.FindAll("[data-testid='grant-approve-41']"));

        var own = cut.Find("[data-testid='inbox-grant'][data-grant-id='42']");
        Assert.NotNull(own.QuerySelector("[data-testid='grant-own']"));
        Assert.Empty(cut.FindAll("[data-testid='grant-approve-42']"));
    }

    [Fact]
    public void Approving_needs_a_reason_then_sends_that_grant_and_moves_it_out_of_the_inbox()
    {
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        var cut = RenderInbox();
        cut.WaitForElement("[data-testid='grant-approve-41']").Click();
        cut.WaitForAssertion(() => Assert.Contains("Required", cut.Find("[data-testid='grant-decision-reason-41']").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
        Assert.Empty(_rewards.Decisions);

        cut.Find("[data-testid='grant-decision-reason-41']").Input("checked the event log");
        cut.Find("[data-testid='grant-approve-41']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("approve", 41L, "checked the event log"), Assert.Single(_rewards.Decisions)));
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid='inbox-grant'][data-grant-id='41']"));
            Assert.Equal("Approved", cut.Find("[data-testid='inbox-decided'][data-grant-id='41']").GetAttribute("data-state"));
        });
    }

    [Fact]
    public void Rejecting_sends_a_reject_not_an_approve()
    {
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        var cut = RenderInbox();
        cut.WaitForElement("[data-testid='grant-decision-reason-41']").Input("no such event");
        cut.Find("[data-testid='grant-reject-41']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("reject", 41L, "no such event"), Assert.Single(_rewards.Decisions)));
    }

    [Theory]
    [InlineData(Role.Agent)]
    [InlineData(Role.Gm)]
    [InlineData(Role.Viewer)]
    public void Who_may_not_approve_gets_no_inbox(Role role)
    {
        var permissions = role switch { Role.Agent => AgentPermissions, Role.Gm => GmPermissions, _ => ViewerPermissions };
        Services.AddSingleton(StaffSession.ForTests("x", [role], permissions));
        var cut = RenderInbox();
        cut.Find("[data-testid='not-allowed']");
        Assert.Empty(cut.FindAll("[data-testid='inbox-grant']"));
    }

    [Fact]
    public void A_viewer_or_a_gm_is_offered_no_grant_form()
    {
        Services.AddSingleton(StaffSession.ForTests("gm", [Role.Gm], GmPermissions));
        RenderPopoverHost();
        var cut = Render<NewGrant>();
        cut.Find("[data-testid='not-allowed']");
        Assert.Empty(cut.FindAll("[data-testid='grant-submit']"));
    }

    [Fact]
    public void An_approved_grant_shows_each_players_delivery_and_offers_revoke_only_to_who_may_revoke()
    {
        var grant = FakeRewards.Pending(43, "amy.agent");
        grant.State = GrantState.Approved;
        grant.Recipients.Clear();
        grant.Recipients.Add(new GrantRecipient { PlayerId = "p1", GameServerId = "s1", DeliveryState = DeliveryState.Delivered });
        grant.Recipients.Add(new GrantRecipient { PlayerId = "p2", GameServerId = "s2", DeliveryState = DeliveryState.Failed, FailureReason = "mailbox full" });
        _rewards.Grants.Add(grant);

        SignedInAs(Role.Agent, AgentPermissions);
        RenderPopoverHost();
        var cut = Render<GrantDetail>(p => p.Add(x => x.GrantId, 43));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='grant-recipient']").Count));
        Assert.Contains("Delivered", cut.Find("[data-testid='grant-recipient'][data-player-id='p1']").TextContent, StringComparison.Ordinal);
        Assert.Contains("Failed mailbox full", cut.Find("[data-testid='grant-recipient'][data-player-id='p2']").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid='grant-revoke-43']"));
        Assert.Empty(cut.FindAll("[data-testid='grant-approve-43']"));
    }

    [Fact]
    public void A_supervisor_may_revoke_an_approved_grant()
    {
        var grant = FakeRewards.Pending(44, "amy.agent");
        grant.State = GrantState.Approved;
        _rewards.Grants.Add(grant);
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        RenderPopoverHost();
        var cut = Render<GrantDetail>(p => p.Add(x => x.GrantId, 44));
        cut.WaitForElement("[data-testid='grant-decision-reason-44']").Input("sent to the wrong player");
        cut.Find("[data-testid='grant-revoke-44']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("revoke", 44L, "sent to the wrong player"), Assert.Single(_rewards.Decisions)));
    }
}
