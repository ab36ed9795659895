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
    public void A_supervisors_campaign_is_previewed_approved_by_another_and_its_progress_shows_live()
    {
        using var b = fx.NewBrowser();
        b.SignIn("sam.supervisor");
        b.Click("nav-campaigns");
        b.Click("campaign-new");
        b.Click("catalogue-add-gold");
        b.Type("line-count-gold", "500");
        b.Tick("campaign-server-s2");
        b.Type("campaign-reason", "s2 卡顿补偿 lag compensation");
        b.Click("campaign-create");

        // The draft's page counts who would receive it before it goes anywhere.
        b.WaitUntil(() => b.Driver.Url.Contains("/campaigns/", StringComparison.Ordinal) && !b.Driver.Url.EndsWith("/new", StringComparison.Ordinal), "the draft's page");
        var campaignPage = new Uri(b.Driver.Url).AbsolutePath;
        var recipients = int.Parse(b.Find("campaign-preview").GetAttribute("data-recipients") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(recipients > 0);
        Assert.Contains("s2", b.Find("campaign-preview-panel").Text, StringComparison.Ordinal);
        b.Click("campaign-submit");
        b.WaitUntil(() => b.Find("campaign").GetAttribute("data-state") == "PendingApproval", "submitted for approval");
        Assert.False(b.Exists("campaign-approve"));

        b.SignOut();
        b.SignIn("sue.supervisor");
        b.Open(campaignPage);
        b.WaitForText("campaign-preview", recipients.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.Type("campaign-decision-reason", "数量核对无误 numbers checked");
        b.Click("campaign-approve");

        // Nobody reloads: the page polls GetCampaign while the background job writes the recipients.
        b.WaitUntil(() => b.Find("campaign").GetAttribute("data-state") == "Expanded"
            && b.Find("campaign-progress").GetAttribute("data-expanded") == recipients.ToString(System.Globalization.CultureInfo.InvariantCulture), "the campaign expanded to every recipient");
        Assert.Contains(recipients.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Find("campaign-delivery-text").Text, StringComparison.Ordinal);
        b.Screenshot("campaign");
    }

    [Fact]
    public async Task A_bulk_mute_above_the_guard_rail_waits_for_a_supervisor_then_runs_exactly_as_previewed()
    {
        // Twelve of the demo world's players on s2 (ids p100101..p100200), away from the other journeys' players.
        var admin = new PlayerService.PlayerServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var s2 = Enumerable.Range(100_150, 12).Select(i => $"p{i}").ToList();
        foreach (var id in s2)
        {
            Assert.Equal("s2", (await admin.SearchPlayersAsync(new SearchPlayersRequest { PlayerId = id })).Players.Single().GameServerId);
        }

        using var b = fx.NewBrowser();
        b.SignIn("gus.gm");
        b.Click("nav-bulk");
        b.Type("bulk-players", string.Join(" ", s2));
        b.Type("bulk-reason", "刷屏广告团伙 spam ring");
        b.Click("bulk-preview-run");
        var preview = b.Find("bulk-preview");
        Assert.Equal(("12", "true"), (preview.GetAttribute("data-players"), preview.GetAttribute("data-needs-approval")));
        b.WaitForText("bulk-touches", "s2");
        Assert.True(b.Find("bulk-execute").GetAttribute("disabled") is not null);

        // Another browser: the supervisor approves it in the inbox, reading exactly what runs.
        using (var sup = fx.NewBrowser())
        {
            sup.SignIn("sam.supervisor");
            sup.Click("nav-bulk-approvals");
            sup.WaitUntil(() => sup.All("bulk-inbox-item").Any(i => i.Text.Contains("gus.gm", StringComparison.Ordinal) && i.Text.Contains(s2[0], StringComparison.Ordinal)), "gus.gm's bulk mute in the inbox");
            var item = sup.All("bulk-inbox-item").First(i => i.Text.Contains(s2[0], StringComparison.Ordinal));
            Assert.Contains("12", item.Text, StringComparison.Ordinal);
            var token = item.GetAttribute("data-token");
            var note = item.FindElement(By.CssSelector("[data-testid='bulk-inbox-note'] textarea, [data-testid='bulk-inbox-note'] input, input[data-testid='bulk-inbox-note']"));
            note.SendKeys("核实举报 report checked");
            item.FindElement(By.CssSelector("[data-testid='bulk-inbox-approve']")).Click();
            sup.WaitUntil(() => sup.Driver.FindElements(By.CssSelector($"[data-testid='bulk-inbox-approved'][data-token='{token}']")).Count == 1, "the approval");
        }

        b.Click("bulk-check-approval");
        b.WaitForText("bulk-approval", "sam.supervisor");
        b.Click("bulk-execute");
        b.WaitUntil(() => b.All("bulk-result").Count == 12, "12 results");
        Assert.Equal(12, b.All("bulk-result").Count(r => r.GetAttribute("data-outcome") is "Sanctioned" or "AlreadySanctioned"));

        var sanctions = new SanctionService.SanctionServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var muted = (await sanctions.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = s2[^1] })).Sanctions;
        Assert.Contains(muted, s => s.Kind == SanctionKind.Mute && s.IssuedBy == "gus.gm" && s.Reason == "刷屏广告团伙 spam ring");
    }

    [Fact]
    public void An_admin_registers_a_game_server_and_reads_its_credential_once()
    {
        using var b = fx.NewBrowser();
        b.SignIn("ada.admin");
        b.Click("nav-gameservers");
        b.Find("gameservers");
        b.Type("register-id", "e2e-9");
        b.Type("register-name", "测试九区 E2E nine");
        b.Type("register-reason", "browser journey");
        b.Click("register-submit");
        b.WaitForText("credential", "GameServer e2e-9.");
        b.Find("gameserver-row");
        Assert.True(b.Driver.FindElements(By.CssSelector("[data-testid='gameserver-row'][data-game-server-id='e2e-9']")).Count == 1);
        b.Click("credential-dismiss");
        b.WaitUntil(() => !b.Exists("credential"), "the credential gone");
        b.Open("/gameservers");
        b.Find("gameservers");
        Assert.DoesNotContain("GameServer e2e-9.", b.BodyText, StringComparison.Ordinal);
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
