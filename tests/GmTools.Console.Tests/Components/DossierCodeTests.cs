using System.Globalization;
using Bunit;
using GmTools.Console.Components.Pages.Players;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The dossier shows the other capabilities' codes in the staff language, and an unknown code as sent.</summary>
public sealed class DossierCodeTests : ComponentTest
{
    private static readonly Timestamp At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));

    public DossierCodeTests()
    {
        var players = new FakePlayers
        {
            Dossier = new GetPlayerDossierResponse
            {
                Player = Calls.Player(),
                Vip = new DossierVip { Tier = 3, TierName = "黄金 Gold", TierReachedAt = At },
                VipTierHistory = { new DossierTierChange { FromTier = "白银", ToTier = "黄金", RechargeTotal = 5000, ChangedAt = At, Source = "reconcile" } },
                Visits =
                {
                    new DossierVisit { VisitId = "1", Reason = "churn_risk", State = "overdue", Overdue = true, DueAt = At },
                    new DossierVisit { VisitId = "2", Reason = "moon_festival", State = "done", Outcome = "not_reached", DueAt = At },
                },
                RecentAnomalies = { new DossierAnomaly { ReportId = "r1", GameServerId = "s1", Kind = "speed_hack", Severity = "critical", ReportedAt = At, Summary = "移动速度异常" } },
                Cases =
                {
                    new DossierCase { CaseId = 7, Kind = "lost_item", State = "waiting_for_player", Priority = "urgent", EscalationLevel = "senior_agent", Summary = "装备丢失", OpenedAt = At, ResolutionDue = At },
                    new DossierCase { CaseId = 8, Kind = "guild_dispute", State = "in_progress", Priority = "normal", Summary = "公会纠纷", OpenedAt = At, ResolutionDue = At },
                },
            },
        };
        Services.AddSingleton<PlayerService.PlayerServiceClient>(players);
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
        Services.AddSingleton<SanctionService.SanctionServiceClient>(new FakeSanctions());
        SignedInAs(Role.Gm, GmPermissions);
    }

    private IRenderedComponent<Dossier> RenderDossier(string culture)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        RenderPopoverHost();
        var cut = Render<Dossier>(p => p.Add(x => x.PlayerId, "p1"));
        cut.WaitForAssertion(() => Assert.Contains("李逍遥", cut.Find("[data-testid='dossier-name']").TextContent, StringComparison.Ordinal));
        return cut;
    }

    private static string Text(IRenderedComponent<Dossier> cut, string selector) => cut.Find(selector).TextContent;

    [Fact]
    public void In_chinese_known_codes_are_translated_and_an_unknown_one_is_shown_as_sent()
    {
        var cut = RenderDossier("zh-CN");

        var overdue = Text(cut, "[data-testid='dossier-visit'][data-state='overdue']");
        Assert.Contains("流失风险", overdue, StringComparison.Ordinal);
        Assert.Contains("已逾期", overdue, StringComparison.Ordinal);
        Assert.DoesNotContain("churn_risk", overdue, StringComparison.Ordinal);
        var done = Text(cut, "[data-testid='dossier-visit'][data-state='done']");
        Assert.Contains("moon_festival", done, StringComparison.Ordinal);
        Assert.Contains("已完成", done, StringComparison.Ordinal);
        Assert.Contains("未联系上", done, StringComparison.Ordinal);

        Assert.Contains("对账", Text(cut, "[data-testid='dossier-vip']"), StringComparison.Ordinal);
        Assert.Contains("严重", Text(cut, "[data-testid='dossier-anomalies']"), StringComparison.Ordinal);

        var lost = Text(cut, "[data-testid='dossier-case'][data-case-id='7']");
        foreach (var expected in new[] { "物品丢失", "等待玩家", "紧急", "高级客服" })
        {
            Assert.Contains(expected, lost, StringComparison.Ordinal);
        }
        var unknownKind = Text(cut, "[data-testid='dossier-case'][data-case-id='8']");
        Assert.Contains("guild_dispute", unknownKind, StringComparison.Ordinal);
        Assert.Contains("处理中", unknownKind, StringComparison.Ordinal);
        Assert.DoesNotContain("Code_", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void In_english_codes_read_as_words_and_an_unknown_one_is_shown_as_sent()
    {
        var cut = RenderDossier("en");

        var overdue = Text(cut, "[data-testid='dossier-visit'][data-state='overdue']");
        Assert.Contains("churn risk", overdue, StringComparison.Ordinal);
        Assert.DoesNotContain("churn_risk", overdue, StringComparison.Ordinal);
        Assert.Contains("not reached", Text(cut, "[data-testid='dossier-visit'][data-state='done']"), StringComparison.Ordinal);

        var lost = Text(cut, "[data-testid='dossier-case'][data-case-id='7']");
        Assert.Contains("lost item", lost, StringComparison.Ordinal);
        Assert.Contains("waiting for player", lost, StringComparison.Ordinal);
        Assert.Contains("senior agent", lost, StringComparison.Ordinal);
        Assert.DoesNotContain("物品丢失", lost, StringComparison.Ordinal);
        Assert.Contains("guild_dispute", Text(cut, "[data-testid='dossier-case'][data-case-id='8']"), StringComparison.Ordinal);
        Assert.DoesNotContain("Code_", cut.Markup, StringComparison.Ordinal);
    }
}
