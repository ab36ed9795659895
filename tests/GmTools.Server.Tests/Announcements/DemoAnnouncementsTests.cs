using GmTools.Contracts.V1;
using GmTools.Server.Demo;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Announcements.AnnouncementsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Announcements;

/// <summary>Default announcement settings; no scheduler, so the test decides when the poller runs.</summary>
public sealed class DemoAnnouncementsFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["GmTools:Quartz:Enabled"] = "false" };
}

/// <summary>The demo world's announcements, as a newcomer finds them after deploy/run.sh.</summary>
public sealed class DemoAnnouncementsTests(DemoAnnouncementsFixture fx) : IClassFixture<DemoAnnouncementsFixture>
{
    [Fact]
    public async Task The_demo_world_has_a_marquee_showing_a_maintenance_countdown_scheduled_and_a_notice_waiting_for_approval_once()
    {
        await SeedAsync();
        await SeedAsync();
        var gm = fx.Staff("gus.gm");
        Assert.Equal(3, (await gm.ListAnnouncementsAsync(new ListAnnouncementsRequest())).Announcements.Count);

        var active = (await gm.ListAnnouncementsAsync(new ListAnnouncementsRequest { State = AnnouncementState.Active })).Announcements.Single();
        Assert.Equal(AnnouncementDisplay.Marquee, active.Spec.Display);
        Assert.NotNull(active.Spec.RepeatInterval);
        var countdown = (await gm.ListAnnouncementsAsync(new ListAnnouncementsRequest { State = AnnouncementState.Scheduled })).Announcements.Single();
        Assert.Equal([60, 30, 10, 5, 1], countdown.Spec.Countdown.OffsetsMinutes);
        Assert.True(countdown.Spec.Countdown.MaintenanceAt.ToDateTimeOffset() - fx.Clock.GetUtcNow() >= TimeSpan.FromHours(2));
        var pending = (await gm.ListAnnouncementsAsync(new ListAnnouncementsRequest { State = AnnouncementState.PendingApproval })).Announcements.Single();
        Assert.True(pending.Spec.Targets.AllServers);

        // The marquee fires on the first poll and shows on s1 in Chinese; a supervisor can approve the notice.
        Assert.Equal(1, await FireAsync(fx.Server));
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'show_announcement' AND game_server_id IN ('s1', 's2')"));
        var s1 = new AnnouncementService.AnnouncementServiceClient(fx.Channel(await fx.GameServerCredentialAsync("s1")));
        var shown = (await s1.ListActiveAnnouncementsAsync(new ListActiveAnnouncementsRequest { GameServerId = "s1", Locale = "zh-CN" })).Announcements.Single();
        Assert.Equal("双倍经验周末进行中！", shown.Text);
        var approved = await fx.Staff("sam.supervisor", Role.Supervisor).ApproveAnnouncementAsync(new ApproveAnnouncementRequest { AnnouncementId = pending.AnnouncementId, Reason = "checked" });
        Assert.Equal(AnnouncementState.Scheduled, approved.Announcement.State);
    }

    private async Task SeedAsync()
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
    }
}

public sealed class SimulatorAnnouncementLineTests
{
    [Fact]
    public void The_simulator_prints_a_show_with_its_kind_end_and_texts_default_locale_first_and_a_withdraw()
    {
        var show = new ShowAnnouncement
        {
            AnnouncementId = "3",
            DisplayKind = "marquee",
            Priority = 5,
            DefaultLocale = "en",
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero)),
        };
        show.TextByLocale.Add("zh-CN", DoubleXpZh);
        show.TextByLocale.Add("en", DoubleXpEn);
        Assert.Equal($"show announcement 3 marquee priority 5 until 2026-12-05 08:00:00Z: [en] {DoubleXpEn} | [zh-CN] {DoubleXpZh}",
            GmTools.Simulator.SimulatorCli.Describe(new GameCommand { ShowAnnouncement = show }));
        Assert.Equal("withdraw announcement 3", GmTools.Simulator.SimulatorCli.Describe(new GameCommand { CancelAnnouncement = new CancelAnnouncement { AnnouncementId = "3" } }));
    }
}
