using GmTools.Contracts.V1;
using GmTools.Server.Tests.Cases;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Players;
using GmTools.Server.Tests.Sanctions;
using static GmTools.Server.Tests.VipCare.VipKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

public sealed class VipPlanningFixture : VipFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("v1");
    }
}

/// <summary>Tiers and planning on the fake clock. Nobody is on duty here: visits stay unassigned.</summary>
public sealed class VipPlanningTests(VipPlanningFixture fx) : IClassFixture<VipPlanningFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private Task<long> CountAsync(string player, string reason) =>
        ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks WHERE player_id = @p AND reason = @r", ("p", player), ("r", reason));

    private Task CompleteAsync(string player, string reason) =>
        ExecAsync(fx, "UPDATE vip_visit_tasks SET state = 'done', completed_at = now() WHERE player_id = @p AND reason = @r AND state IN ('open', 'claimed')", ("p", player), ("r", reason));

    [Fact]
    public async Task Crossing_a_threshold_on_sync_records_the_tier_with_its_time_and_plans_the_welcome_at_once()
    {
        var server = new PlayerService.PlayerServiceClient(fx.Channel(await fx.GameServerCredentialAsync("v1")));
        var profile = PlayerTestData.Profile("p-sync", "阿强");
        profile.RechargeTotal = Silver - 1;
        await server.SyncAsync("v1", profile);
        Assert.Empty(await fx.VisitsAsync("p-sync"));

        var reachedAt = Now;
        await server.SyncAsync("v1", profile.With(p => { p.Version = 2; p.RechargeTotal = Silver + 500; }));
        var visits = await fx.VisitsAsync("p-sync");
        var welcome = Assert.Single(visits);
        Assert.Equal(("welcome", "open", reachedAt.AddHours(24)), (welcome.Reason, welcome.State, welcome.Due));

        fx.Clock.Advance(TimeSpan.FromHours(1));
        await server.SyncAsync("v1", profile.With(p => { p.Version = 3; p.RechargeTotal = Gold; })); // silver -> gold: a new tier reached
        await server.SyncAsync("v1", profile.With(p => { p.Version = 4; p.RechargeTotal = Gold; p.Level = 99; })); // recharge unchanged: nothing
        fx.Clock.Advance(TimeSpan.FromHours(1));
        await server.SyncAsync("v1", profile.With(p => { p.Version = 5; p.RechargeTotal = 10; })); // refunded: the tier is lost, recorded, no visit

        var dossier = await new PlayerService.PlayerServiceClient(fx.StaffChannel("sam", Role.Supervisor)).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p-sync" });
        Assert.Equal(
            [("gold", "", "sync", Now), ("silver", "gold", "sync", Now.AddHours(-1)), ("", "silver", "sync", Now.AddHours(-2))],
            dossier.VipTierHistory.Select(h => (h.FromTier, h.ToTier, h.Source, h.ChangedAt.ToDateTimeOffset())));
        Assert.Equal(0, dossier.Vip.Tier);
        // The welcome for silver is still open, so reaching gold within it adds no second open welcome.
        Assert.Single(await fx.VisitsAsync("p-sync"));
        Assert.Contains(dossier.Visits, v => v.Reason == "welcome" && v.State == "open");
        Assert.Equal(3, await ScalarAsync(fx, "SELECT count(*) FROM audit_records WHERE action = 'vip.tier' AND player_id = 'p-sync'"));
    }

    [Fact]
    public async Task The_planning_run_reconciles_a_tier_whose_recharge_changed_behind_the_sync()
    {
        await fx.AddPlayerAsync("p-rec", "v1", 0);
        await fx.SetRechargeAsync("p-rec", Gold + 1); // e.g. a recharge adjustment credited by a case
        var result = await fx.PlanAsync();
        Assert.True(result.TiersChanged >= 1);
        var welcome = Assert.Single(await fx.VisitsAsync("p-rec"));
        Assert.Equal("welcome", welcome.Reason);
        Assert.Equal("reconcile", (await fx.ListAsyncStrings("SELECT source FROM vip_tier_changes WHERE player_id = 'p-rec'")).Single());
        await fx.PlanAsync();
        Assert.Equal(1, await ScalarAsync(fx, "SELECT count(*) FROM vip_tier_changes WHERE player_id = 'p-rec'"));
    }

    [Fact]
    public async Task Periodic_visits_appear_every_interval_of_the_tier()
    {
        // gold: every 30 days (the migration's rule), due within 3 days.
        await fx.AddPlayerAsync("p-per", "v1", Gold);
        await fx.PlanAsync();
        var start = Now;
        fx.Clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1));
        await fx.PlanAsync();
        Assert.Equal(0, await CountAsync("p-per", "periodic"));
        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        await fx.PlanAsync();
        await fx.PlanAsync();
        var first = Assert.Single(await fx.VisitsAsync("p-per"), v => v.Reason == "periodic");
        Assert.Equal(start.AddDays(33), first.Due);
        await CompleteAsync("p-per", "periodic");

        fx.Clock.Advance(TimeSpan.FromDays(29));
        await fx.PlanAsync();
        Assert.Equal(1, await CountAsync("p-per", "periodic"));
        fx.Clock.Advance(TimeSpan.FromDays(1));
        await fx.PlanAsync();
        Assert.Equal(2, await CountAsync("p-per", "periodic"));
    }

    [Fact]
    public async Task An_inactive_vip_gets_one_churn_risk_visit_per_absence()
    {
        // Every tier: after 14 days without login.
        await fx.AddPlayerAsync("p-churn", "v1", Silver, lastLogin: Now.AddDays(-13));
        await fx.PlanAsync();
        Assert.Equal(0, await CountAsync("p-churn", "churn_risk"));
        fx.Clock.Advance(TimeSpan.FromDays(1));
        await fx.PlanAsync();
        await fx.PlanAsync();
        Assert.Equal(1, await CountAsync("p-churn", "churn_risk"));
        await CompleteAsync("p-churn", "churn_risk");
        fx.Clock.Advance(TimeSpan.FromDays(20));
        await fx.PlanAsync();
        Assert.Equal(1, await CountAsync("p-churn", "churn_risk")); // still the same absence
        await fx.SetLastLoginAsync("p-churn", Now);
        fx.Clock.Advance(TimeSpan.FromDays(14));
        await fx.PlanAsync();
        Assert.Equal(2, await CountAsync("p-churn", "churn_risk"));
        // A player below every threshold is nobody's VIP.
        await fx.AddPlayerAsync("p-churn-low", "v1", Silver - 1, lastLogin: Now.AddDays(-60));
        await fx.PlanAsync();
        Assert.Empty(await fx.VisitsAsync("p-churn-low"));
    }

    [Fact]
    public async Task A_complaint_a_large_grant_and_a_wrongful_lift_are_each_followed_up_once_within_three_days()
    {
        await fx.AddPlayerAsync("p-fu", "v1", Diamond, lastLogin: Now);
        await fx.PlanAsync();
        var opened = Now;
        await fx.Cases("amy").OpenCaseAsync(CaseKit.Open("p-fu", "complaint", Now));
        var gm = fx.Staff("gus");
        var ban = (await gm.IssueSanctionAsync(SanctionsKit.Ban("p-fu", SanctionsKit.OnServer("v1")))).Sanction.SanctionId;
        await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban, Reason = "wrong player", Wrongful = true });
        var other = (await gm.IssueSanctionAsync(SanctionsKit.Mute("p-fu", "v1"))).Sanction.SanctionId;
        await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = other, Reason = "served" }); // not wrongful: no visit
        var admin = new RewardService.RewardServiceClient(fx.StaffChannel("ada", Role.Admin));
        await admin.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "vip.gem", Name = "gem", Kind = ItemKind.Currency, UnitValue = 60_000, Active = true }, Reason = "r",
        });
        var grant = await admin.CreateGrantAsync(new CreateGrantRequest
        {
            IdempotencyKey = "vip-fu-1", Lines = { new RewardLine { ItemId = "vip.gem", Count = 1 } }, PlayerIds = { "p-fu" }, Reason = "outage", MailTitle = "sorry",
        });
        if (grant.Grant.State == GrantState.PendingApproval)
        {
            await new RewardService.RewardServiceClient(fx.StaffChannel("sam", Role.Supervisor)).ApproveGrantAsync(new ApproveGrantRequest { GrantId = grant.Grant.GrantId, Reason = "ok" });
        }

        // Planned at once, as each event committed (not at the next planning run) ...
        static List<(long Id, string Reason, string State, string? Assignee, DateTimeOffset Due)> FollowUps(IEnumerable<(long Id, string Reason, string State, string? Assignee, DateTimeOffset Due)> all) =>
            [.. all.Where(v => v.Reason.EndsWith("follow_up", StringComparison.Ordinal))];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (FollowUps(await fx.VisitsAsync("p-fu")).Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var visits = FollowUps(await fx.VisitsAsync("p-fu"));
        Assert.Equal(["compensation_follow_up", "complaint_follow_up", "sanction_follow_up"], visits.Select(v => v.Reason).Order());
        Assert.All(visits, v => Assert.InRange(v.Due, opened.AddDays(3) - TimeSpan.FromMinutes(1), opened.AddDays(3) + TimeSpan.FromMinutes(1)));

        // ... and the planning runs after that find nothing left to plan.
        var result = await fx.PlanAsync();
        await fx.PlanAsync();
        Assert.Equal(0, result.Planned["complaint_follow_up"] + result.Planned["compensation_follow_up"] + result.Planned["sanction_follow_up"]);
        Assert.Equal(3, FollowUps(await fx.VisitsAsync("p-fu")).Count);
    }

    [Fact]
    public async Task Planning_twice_and_on_two_replicas_at_once_creates_nothing_twice()
    {
        for (var i = 0; i < 12; i++)
        {
            await fx.AddPlayerAsync($"p-twice-{i}", "v1", Gold * (1 + i % 3), lastLogin: Now.AddDays(-40));
        }
        var second = fx.AddReplica();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fx.PlanAsync(i % 2 == 0 ? fx.Server : second)));
        await fx.PlanAsync();
        var rows = await fx.ListAsyncStrings("""
            SELECT player_id || '/' || reason || '/' || count(*) FROM vip_visit_tasks WHERE player_id LIKE 'p-twice-%' GROUP BY player_id, reason ORDER BY 1
            """);
        Assert.Equal(24, rows.Count); // a welcome and a churn-risk visit each
        Assert.All(rows, r => Assert.EndsWith("/1", r, StringComparison.Ordinal));
        Assert.Equal(12, await ScalarAsync(fx, "SELECT count(*) FROM vip_tier_changes WHERE player_id LIKE 'p-twice-%'"));
        Assert.Equal(12, runs.Sum(r => r.Planned.GetValueOrDefault("churn_risk")));
    }
}

internal static class VipSqlKit
{
    public static Task<List<string>> ListAsyncStrings(this ServerFixture fx, string sql) => CaseKit.ListAsync(fx, sql);
}
