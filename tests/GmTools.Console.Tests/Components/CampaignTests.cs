using Bunit;
using GmTools.Console.Components.Pages.Campaigns;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

public sealed class CampaignTests : ComponentTest
{
    private readonly FakeRewards _rewards = new();

    public CampaignTests()
    {
        Services.AddSingleton<RewardService.RewardServiceClient>(_rewards);
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
    }

    private IRenderedComponent<NewCampaign> RenderForm()
    {
        SignedInAs(Role.Supervisor, SupervisorPermissions);
        RenderPopoverHost();
        var cut = Render<NewCampaign>();
        cut.WaitForElement("[data-testid='catalogue-add-gold']");
        return cut;
    }

    private IRenderedComponent<CampaignDetail> RenderCampaign(Campaign campaign, string user = "sue.supervisor", string[]? permissions = null)
    {
        _rewards.Campaigns[campaign.CampaignId] = campaign;
        Services.AddSingleton(Security.StaffSession.ForTests(user, [Role.Supervisor], permissions ?? SupervisorPermissions));
        RenderPopoverHost();
        var cut = Render<CampaignDetail>(p => p.Add(x => x.CampaignId, campaign.CampaignId));
        cut.WaitForElement("[data-testid='campaign']");
        return cut;
    }

    private static Campaign Pending(long id = 9, string creator = "sam.supervisor") => new()
    {
        CampaignId = id, State = CampaignState.PendingApproval, Creator = creator, Reason = "回档补偿", ValuePerPlayer = 100,
        Lines = { new RewardLine { ItemId = "gem", Count = 1 } },
        GameServers = new GameServersTarget { GameServerIds = { "s1", "s2" } },
    };

    [Fact]
    public void A_server_campaign_needs_lines_servers_and_a_reason_before_anything_is_sent()
    {
        var cut = RenderForm();
        cut.Find("form").Submit();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Add at least one item", cut.Find("[data-testid='grant-lines-error']").TextContent, StringComparison.Ordinal);
            Assert.Contains("Pick at least one game server", cut.Find("[data-testid='campaign-servers-error']").TextContent, StringComparison.Ordinal);
        });
        Assert.Empty(_rewards.CampaignsCreated);
    }

    [Fact]
    public void A_server_campaign_is_created_as_a_draft_with_its_key_and_opens_its_page()
    {
        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-gem']").Click();
        cut.Find("[data-testid='campaign-server-s2'] input, input[data-testid='campaign-server-s2']").Change(true);
        cut.Find("[data-testid='campaign-reason']").Input("s2 回档补偿");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Single(_rewards.CampaignsCreated));
        var sent = _rewards.CampaignsCreated[0];
        Assert.Equal(["s2"], sent.GameServers.GameServerIds);
        Assert.Equal(("gem", 1L), (sent.Lines[0].ItemId, sent.Lines[0].Count));
        Assert.StartsWith("console-", sent.IdempotencyKey, StringComparison.Ordinal);
        Assert.Empty(_rewards.Appended);
        cut.WaitForAssertion(() => Assert.EndsWith("/campaigns/71", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void A_list_campaign_uploads_its_players_in_chunks_after_the_draft_exists()
    {
        var form = new CampaignForm { Target = CampaignTargetKind.PlayerList, Players = string.Join("\n", Enumerable.Range(1, 2_500).Select(i => $"p{i}")) + "\np1", Reason = "r", MailTitle = "t" };
        Assert.Equal(2_500, form.PlayerIds().Count);
        Assert.Equal(3, form.PlayerIds().Chunk(CampaignForm.AppendChunk).Count());

        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-gold']").Click();
        cut.Find("input[data-testid='campaign-target-PlayerList']").Click();
        cut.WaitForElement("[data-testid='campaign-players']").Change(form.Players);
        cut.Find("[data-testid='campaign-reason']").Input("名单补偿");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(3, _rewards.Appended.Count));
        Assert.NotNull(_rewards.CampaignsCreated[0].PlayerList);
        Assert.Equal([1_000, 1_000, 500], _rewards.Appended.Select(a => a.PlayerIds.Count));
        Assert.All(_rewards.Appended, a => Assert.Equal(71, a.CampaignId));
    }

    [Fact]
    public void An_incident_window_must_end_after_it_starts()
    {
        var form = new CampaignForm
        {
            Target = CampaignTargetKind.IncidentWindow, WindowGameServerId = "s1", Reason = "lag", MailTitle = "t",
            WindowStart = new DateTime(2026, 12, 1, 20, 0, 0), WindowEnd = new DateTime(2026, 12, 1, 19, 0, 0),
        };
        form.Lines.Add(new Console.Components.Pages.Grants.GrantLineForm { Item = new CatalogueItem { ItemId = "gold", UnitValue = 1 } });
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(form, new(form), results, true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(CampaignForm.WindowEnd)));

        form.WindowEnd = new DateTime(2026, 12, 1, 21, 0, 0);
        var request = form.ToRequest("k", new Localization.ConsolePreferences(Microsoft.Extensions.Options.Options.Create(new ConsoleOptions())));
        // Typed in Asia/Shanghai (the default zone), sent as UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), request.IncidentWindow.Start.ToDateTimeOffset());
        Assert.Equal("s1", request.IncidentWindow.GameServerId);
    }

    [Fact]
    public void A_waiting_campaign_shows_its_recipients_per_server_and_another_supervisor_may_approve_it()
    {
        var cut = RenderCampaign(Pending());
        cut.WaitForAssertion(() => Assert.Equal("1234", cut.Find("[data-testid='campaign-preview']").GetAttribute("data-recipients")));
        Assert.Contains("1234 player(s) on 2 game server(s), ¥1,234.00 in all", cut.Find("[data-testid='campaign-preview']").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, cut.FindAll("[data-testid='campaign-preview-server']").Count);

        cut.Find("[data-testid='campaign-approve']").Click();
        Assert.Empty(_rewards.Decisions);
        cut.Find("[data-testid='campaign-decision-reason']").Input("numbers match the incident");
        cut.Find("[data-testid='campaign-approve']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("approve-campaign", 9L, "numbers match the incident"), Assert.Single(_rewards.Decisions)));
        cut.WaitForAssertion(() => Assert.Equal("Expanding", cut.Find("[data-testid='campaign']").GetAttribute("data-state")));
    }

    [Fact]
    public void The_creator_is_offered_no_approval_of_their_own_campaign()
    {
        var cut = RenderCampaign(Pending(creator: "sue.supervisor"));
        cut.Find("[data-testid='campaign-own']");
        Assert.Empty(cut.FindAll("[data-testid='campaign-approve']"));
    }

    [Fact]
    public void A_sending_campaign_shows_its_delivery_progress_and_a_cancel_that_needs_a_reason()
    {
        var campaign = Pending();
        campaign.State = CampaignState.Expanded;
        campaign.Expanded = 200;
        campaign.Delivered = 120;
        campaign.Failed = 5;
        campaign.Cancelled = 25;
        var cut = RenderCampaign(campaign);
        var progress = cut.Find("[data-testid='campaign-progress']");
        Assert.Equal(("200", "false"), (progress.GetAttribute("data-expanded"), progress.GetAttribute("data-settled")));
        Assert.Contains("Delivered 120, failed 5, cancelled 25, taken back 0 — of 200 recipients", progress.TextContent, StringComparison.Ordinal);
        // 150 of 200 answered.
        var bar = cut.Find("[data-testid='campaign-delivery-bar']");
        Assert.Equal(("150", "200"), (bar.GetAttribute("aria-valuenow"), bar.GetAttribute("aria-valuemax")));
        Assert.Empty(cut.FindAll("[data-testid='campaign-preview-panel']"));

        cut.Find("[data-testid='campaign-cancel']").Click();
        Assert.Empty(_rewards.Decisions);
        cut.Find("[data-testid='campaign-cancel-reason']").Input("wrong item");
        cut.Find("[data-testid='campaign-claw-back'] input, input[data-testid='campaign-claw-back']").Change(true);
        cut.Find("[data-testid='campaign-cancel']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("cancel-campaign+claw-back", 9L, "wrong item"), Assert.Single(_rewards.Decisions)));
    }

    [Fact]
    public void Settled_means_nothing_more_changes_by_itself()
    {
        Assert.False(CampaignDetail.Settled(new Campaign { State = CampaignState.Expanding }));
        Assert.False(CampaignDetail.Settled(new Campaign { State = CampaignState.Expanded, Expanded = 10, Delivered = 9 }));
        Assert.True(CampaignDetail.Settled(new Campaign { State = CampaignState.Expanded, Expanded = 10, Delivered = 9, Failed = 1 }));
        Assert.False(CampaignDetail.Settled(new Campaign { State = CampaignState.Cancelled, Expanded = 10 }));
        Assert.True(CampaignDetail.Settled(new Campaign { State = CampaignState.Cancelled, Expanded = 10, CancelFinishedAt = new() }));
        Assert.True(CampaignDetail.Settled(new Campaign { State = CampaignState.PendingApproval }));
    }

    [Fact]
    public void An_agent_is_offered_no_campaign_form()
    {
        SignedInAs(Role.Agent, AgentPermissions);
        var cut = Render<NewCampaign>();
        cut.Find("[data-testid='not-allowed']");
    }
}
