using OpenQA.Selenium;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Console.Tests.Browser;

/// <summary>
/// The daily jobs in a real browser against the real console and server: few journeys, each in a fresh
/// browser profile, each waiting on what the page shows.
/// </summary>
[Collection(nameof(BrowserJourneys))]
public sealed class ConsoleJourneyTests(ConsoleFixture fx)
{
    private async Task<PlayerDetails> SeededPlayerNamedAsync(string name)
    {
        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var found = await players.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = name, PageSize = 100 });
        return found.Players.First(p => p.CharacterName == name);
    }

    [Fact]
    public async Task A_gm_finds_a_player_by_chinese_name_mutes_them_and_the_mute_shows_in_the_dossier_and_the_audit_trail()
    {
        var player = await SeededPlayerNamedAsync("李逍遥");
        using var b = fx.NewBrowser();
        b.SignIn("gus.gm");
        b.Click("nav-players");
        b.Type("search-query", "李逍遥");
        b.Click("search-submit");
        var row = $"[data-player-id='{player.PlayerId}'] [data-testid='player-link']";
        b.WaitUntil(() => b.Driver.FindElements(By.CssSelector(row)).Count > 0, $"search result {player.PlayerId}");
        b.Driver.FindElement(By.CssSelector(row)).Click();
        b.WaitForText("dossier-name", "李逍遥");

        b.Click("action-mute");
        b.Find("ladder-proposal");
        b.WaitForText("issue-preview", player.GameServerId);
        b.Type("issue-reason", "在世界频道辱骂其他玩家");
        b.Type("issue-ticket", "T-E2E-1");
        b.Click("issue-submit");
        b.WaitUntil(() => b.Driver.FindElements(By.CssSelector("[data-testid='sanction-row'][data-kind='mute'][data-state='active']")).Count == 1, "active mute in the dossier");
        b.WaitUntil(() => !b.Exists("issue-panel"), "issue form closed");
        b.Screenshot("dossier");

        // The server agrees: one active mute by the GM.
        var sanctions = new SanctionService.SanctionServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var active = (await sanctions.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = player.PlayerId })).Sanctions;
        var mute = Assert.Single(active, s => s.Kind == SanctionKind.Mute);
        Assert.Equal("gus.gm", mute.IssuedBy);
        Assert.Equal("在世界频道辱骂其他玩家", mute.Reason);

        // The audit trail (a supervisor reads it) shows the GM's mute of this player.
        b.SignOut();
        b.SignIn("sam.supervisor");
        b.Open($"/audit?player={Uri.EscapeDataString(player.PlayerId)}");
        b.WaitUntil(() => b.All("audit-row").Any(r => r.GetAttribute("data-action") == "sanction.issue" && r.Text.Contains("gus.gm", StringComparison.Ordinal)),
            "sanction.issue by gus.gm in the audit trail");
    }

    [Fact]
    public async Task An_agent_sees_no_ban_button_but_may_grant()
    {
        var player = await SeededPlayerNamedAsync("赵灵儿");
        using var b = fx.NewBrowser();
        b.SignIn("amy.agent");
        b.Open($"/players/{player.PlayerId}");
        b.WaitForText("dossier-name", "赵灵儿");
        b.Find("action-grant");
        Assert.False(b.Exists("action-ban"));
        Assert.False(b.Exists("action-mute"));
        Assert.False(b.Exists("nav-audit"));
    }

    [Fact]
    public async Task An_agents_grant_over_the_limit_waits_in_a_supervisors_inbox_and_is_approved_there()
    {
        var player = await SeededPlayerNamedAsync("林月如");
        using var b = fx.NewBrowser();
        b.SignIn("amy.agent");
        b.Open($"/players/{player.PlayerId}");
        b.WaitForText("dossier-name", "林月如");
        b.Click("action-grant");

        // 3 horses at ¥50.00 each: ¥150.00, above an agent's ¥100.00 per grant.
        b.Click("catalogue-add-mount.horse");
        b.Type("line-count-mount.horse", "3");
        b.Type("grant-reason", "坐骑活动奖励未到账");
        b.Type("grant-ticket", "T-E2E-2");
        b.WaitForText("grant-preview", "¥150.00");
        b.Screenshot("grant-form");
        b.Click("grant-submit");
        var result = b.Find("grant-result");
        Assert.Equal("PendingApproval", result.GetAttribute("data-state"));
        var grantId = long.Parse(result.GetAttribute("data-grant-id") ?? "", System.Globalization.CultureInfo.InvariantCulture);

        b.SignOut();
        b.SignIn("sam.supervisor");
        b.Click("nav-grant-approvals");
        b.WaitUntil(() => b.Driver.FindElements(By.CssSelector($"[data-testid='inbox-grant'][data-grant-id='{grantId}']")).Count == 1, $"grant {grantId} in the inbox");
        var card = b.Driver.FindElement(By.CssSelector($"[data-testid='inbox-grant'][data-grant-id='{grantId}']"));
        Assert.Contains("坐骑 Horse", card.Text, StringComparison.Ordinal);
        Assert.Contains("¥150.00", card.Text, StringComparison.Ordinal);
        Assert.Contains(player.PlayerId, card.Text, StringComparison.Ordinal);
        b.Type($"grant-decision-reason-{grantId}", "核实活动记录 event log checked");
        b.Click($"grant-approve-{grantId}");
        b.WaitUntil(() => b.Driver.FindElements(By.CssSelector($"[data-testid='inbox-decided'][data-grant-id='{grantId}'][data-state='Approved']")).Count == 1, "the approval");

        // The server agrees: the agent asked, the supervisor approved, the mail is on its way.
        var rewards = new RewardService.RewardServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var grant = (await rewards.GetGrantAsync(new GetGrantRequest { GrantId = grantId })).Grant;
        Assert.Equal(GrantState.Approved, grant.State);
        Assert.Equal(("amy.agent", "sam.supervisor"), (grant.Requester, grant.DecidedBy));
        Assert.Equal(player.PlayerId, Assert.Single(grant.Recipients).PlayerId);

        // And the player's dossier shows the grant with its delivery state.
        b.Open($"/players/{player.PlayerId}");
        b.WaitUntil(() => b.All("grant-row").Any(r => r.Text.Contains(grantId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            && r.Text.Contains("已批准", StringComparison.Ordinal)), "the approved grant in the dossier");
    }

    [Fact]
    public void Switching_to_english_changes_the_page_text_and_is_remembered()
    {
        using var b = fx.NewBrowser();
        b.SignIn("vic.viewer");
        b.Open("/players");
        b.WaitForText("page-title", "查找玩家");
        b.Click("lang-en");
        b.WaitForText("page-title", "Find a player");
        Assert.Contains("Sign out", b.Find("signout").Text, StringComparison.OrdinalIgnoreCase);

        // Remembered for this staff member: after signing out and in again the page is still English.
        b.SignOut();
        b.SignIn("vic.viewer");
        b.Open("/players");
        b.WaitForText("page-title", "Find a player");
    }
}

[CollectionDefinition(nameof(BrowserJourneys))]
public sealed class BrowserJourneys : ICollectionFixture<ConsoleFixture>;
