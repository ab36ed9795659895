using Bunit;
using GmTools.Console.Components.Layout;
using GmTools.Console.Components.Pages.Players;
using GmTools.Console.Security;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>Only what the role may do is offered (the server still refuses the rest).</summary>
public sealed class VisibilityTests : ComponentTest
{
    public VisibilityTests()
    {
        Services.AddSingleton<PlayerService.PlayerServiceClient>(new FakePlayers());
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
        Services.AddSingleton<SanctionService.SanctionServiceClient>(new FakeSanctions());
    }

    private IRenderedComponent<Dossier> RenderDossier()
    {
        RenderPopoverHost();
        var cut = Render<Dossier>(p => p.Add(x => x.PlayerId, "p1"));
        cut.WaitForAssertion(() => Assert.Contains("李逍遥", cut.Find("[data-testid='dossier-name']").TextContent, StringComparison.Ordinal));
        return cut;
    }

    private static bool Has(IRenderedComponent<Dossier> cut, string testId) => cut.FindAll($"[data-testid='{testId}']").Count > 0;

    [Fact]
    public void An_agent_sees_no_ban_mute_or_kick_but_may_grant_and_reveal_contact()
    {
        SignedInAs(Role.Agent, AgentPermissions);
        var cut = RenderDossier();
        Assert.False(Has(cut, "action-ban"));
        Assert.False(Has(cut, "action-mute"));
        Assert.False(Has(cut, "action-kick"));
        Assert.True(Has(cut, "action-grant"));
        Assert.True(Has(cut, "reveal-contact"));
    }

    [Fact]
    public void A_gm_may_mute_ban_and_kick_but_not_grant()
    {
        SignedInAs(Role.Gm, GmPermissions);
        var cut = RenderDossier();
        Assert.True(Has(cut, "action-ban"));
        Assert.True(Has(cut, "action-mute"));
        Assert.True(Has(cut, "action-kick"));
        Assert.False(Has(cut, "action-grant"));
    }

    [Fact]
    public void A_viewer_reads_but_is_offered_no_action_and_no_contact()
    {
        SignedInAs(Role.Viewer, ViewerPermissions);
        var cut = RenderDossier();
        foreach (var id in new[] { "action-ban", "action-mute", "action-kick", "action-grant", "reveal-contact", "note-add", "dossier-audit" })
        {
            Assert.False(Has(cut, id), id);
        }
        // The other capabilities' sections are read-only and shown to every reader.
        foreach (var id in new[] { "dossier-vip", "dossier-visits", "dossier-chat", "dossier-anomalies", "dossier-cases" })
        {
            Assert.True(Has(cut, id), id);
        }
    }

    [Fact]
    public void The_other_capabilities_sections_show_what_the_server_filled_in()
    {
        SignedInAs(Role.Agent, AgentPermissions);
        var cut = RenderDossier();
        Assert.Contains("Tier 3 黄金 Gold", cut.Find("[data-testid='dossier-vip']").TextContent, StringComparison.Ordinal);
        Assert.Contains("充值未到账", cut.Find("[data-testid='dossier-case'][data-case-id='7']").TextContent, StringComparison.Ordinal);
        Assert.Contains("加我微信买金币", cut.Find("[data-testid='dossier-chat-line']").TextContent, StringComparison.Ordinal);
        Assert.Contains("None", cut.Find("[data-testid='dossier-anomalies']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Contact_details_come_from_a_separate_audited_read()
    {
        var players = new FakePlayers();
        Services.AddSingleton<PlayerService.PlayerServiceClient>(players);
        SignedInAs(Role.Agent, AgentPermissions);
        var cut = RenderDossier();
        Assert.Empty(players.Searches);
        Assert.Contains("audit", cut.Find("[data-testid='dossier-profile']").TextContent, StringComparison.OrdinalIgnoreCase);
        cut.Find("[data-testid='reveal-contact']").Click();
        cut.WaitForAssertion(() => Assert.True(Assert.Single(players.Searches).IncludeContact));
    }

    [Theory]
    [InlineData(Role.Viewer, "nav-players", "nav-audit")]
    [InlineData(Role.Agent, "nav-grant-new", "nav-grant-approvals")]
    [InlineData(Role.Gm, "nav-bulk", "nav-grant-new")]
    [InlineData(Role.Supervisor, "nav-grant-approvals", "nav-gameservers")]
    [InlineData(Role.Admin, "nav-gameservers", null)]
    public void The_menu_offers_what_the_role_may_use(Role role, string offered, string? notOffered)
    {
        var permissions = role switch
        {
            Role.Viewer => ViewerPermissions,
            Role.Agent => AgentPermissions,
            Role.Gm => GmPermissions,
            Role.Supervisor => SupervisorPermissions,
            _ => AdminPermissions,
        };
        Services.AddSingleton(StaffSession.ForTests("x", [role], permissions));
        var cut = Render<NavMenu>();
        Assert.NotEmpty(cut.FindAll($"[data-testid='{offered}']"));
        if (notOffered is not null)
        {
            Assert.Empty(cut.FindAll($"[data-testid='{notOffered}']"));
        }
    }
}
