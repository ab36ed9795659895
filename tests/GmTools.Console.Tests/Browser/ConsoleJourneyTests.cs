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
