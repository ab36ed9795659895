using GmTools.Contracts.V1;
using GmTools.Server.Demo;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.VipCare.VipKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

/// <summary>The demo world: the queue and the reports show something on first run, and a second run adds nothing.</summary>
public sealed class DemoVipCareTests(VipFixture fx) : IClassFixture<VipFixture>
{
    private async Task SeedAsync()
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
    }

    [Fact]
    public async Task The_demo_world_has_vips_with_a_queue_a_visit_history_and_reports()
    {
        await SeedAsync();
        var tasks = await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks");
        var calls = await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_attempts");
        await SeedAsync();
        Assert.Equal((tasks, calls), (await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks"), await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_attempts")));

        var now = fx.Clock.GetUtcNow();
        var queue = await fx.Vip("amy.agent").ListMyVisitsAsync(new ListMyVisitsRequest());
        Assert.NotEmpty(queue.Visits);
        var supervisor = fx.Vip("sam.supervisor", Role.Supervisor);
        Assert.Contains((await supervisor.ListVisitsAsync(new ListVisitsRequest { OverdueOnly = true })).Visits, v => v.Assignee == "ann.agent");
        var weeks = await supervisor.GetVisitReportAsync(new GetVisitReportRequest { GroupBy = VisitReportGrouping.Week, From = Ts(now.AddDays(-70)), To = Ts(now.AddDays(1)) });
        Assert.True(weeks.Rows.Count >= 8);
        var agents = await supervisor.GetVisitReportAsync(new GetVisitReportRequest { GroupBy = VisitReportGrouping.Agent, From = Ts(now.AddDays(-70)), To = Ts(now.AddDays(1)) });
        Assert.Equal(["amy.agent", "ann.agent"], agents.Rows.Where(r => r.Completed > 0).Select(r => r.Key));
        var bands = (await supervisor.GetReachRatesAsync(new GetReachRatesRequest { From = Ts(now.AddDays(-70)), To = Ts(now.AddDays(1)) })).Bands;
        Assert.True(bands.Single(b => b.Band == "19-21").ReachRate > bands.Single(b => b.Band == "15-17").ReachRate);
        var dossier = await new PlayerService.PlayerServiceClient(fx.StaffChannel("amy.agent", Role.Agent)).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = DemoStory.Whale });
        Assert.Equal("gold", dossier.Vip.TierName);
        Assert.Contains(dossier.Visits, v => v.Reason == "welcome" && v.Outcome == "reached" && v.Satisfaction == 5);
        Assert.Contains(dossier.Visits, v => v.Reason == "follow_up" && v.State == "open");
    }
}
