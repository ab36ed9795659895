using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Announcements;

/// <summary>
/// Announcements in the demo world, made through the desk: a double-XP marquee showing now and repeating every 30
/// minutes on s1 and s2, tonight's maintenance countdown on every demo server (steps at 60, 30, 10, 5 and 1 minutes,
/// then "going down now"), and a compensation notice to all servers waiting in the approval inbox. Seeded once: when
/// any announcement exists, nothing is added.
/// </summary>
public sealed class DemoAnnouncements(GmToolsDbContext db, RequestContext request, AnnouncementDesk desk) : IDemoSeeder
{
    public int Order => DemoOrder.Announcements;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        if (await db.Set<Announcement>().AnyAsync(ct))
        {
            return "announcements: already seeded";
        }
        var now = demo.Now;
        request.Caller = DemoActors.Gm;
        var marquee = await desk.CreateAsync(new CreateOrder(Plan(
            Texts(("zh-CN", "双倍经验周末进行中！"), ("en", "Double XP weekend is on!")),
            AnnouncementDisplays.Marquee, ["s1", "s2"], now.AddMinutes(-10), now.AddDays(3), TimeSpan.FromMinutes(30), priority: 5), Publish: true, "weekend event"), ct);

        // Tonight at 02:00 UTC (at least two hours away), announced from an hour before.
        var maintenance = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddHours(26);
        maintenance = maintenance - now < TimeSpan.FromHours(2) ? maintenance.AddDays(1) : maintenance;
        var countdown = await desk.CreateAsync(new CreateOrder(Plan(
            Texts(("zh-CN", "服务器将在{minutes}分钟后停机维护（{time} UTC），请及时下线"), ("en", "Servers go down for maintenance in {minutes} minutes ({time} UTC)")),
            AnnouncementDisplays.SystemChat, demo.GameServerIds, maintenance.AddMinutes(-60), maintenance.AddMinutes(30), null, priority: 9,
            maintenance, [60, 30, 10, 5, 1], Texts(("zh-CN", "服务器正在停机维护"), ("en", "Servers are going down now"))), Publish: true, "weekly maintenance"), ct);

        // To every server: above the approval threshold, so it waits for a second person (sam.supervisor may approve).
        var pending = await desk.CreateAsync(new CreateOrder(Plan(
            Texts(("zh-CN", "昨晚的登录故障已修复，补偿已通过邮件发放。"), ("en", "Last night's login outage is fixed; compensation is in your mailbox.")),
            AnnouncementDisplays.LoginPopup, [], now.AddHours(1), now.AddDays(2), null, priority: 7, allServers: true), Publish: true, "outage compensation notice"), ct);

        request.Caller = Caller.System;
        return $"announcements: marquee {marquee.AnnouncementId} showing on s1, s2; maintenance countdown {countdown.AnnouncementId} for {maintenance:yyyy-MM-dd HH:mm} UTC; " +
               $"notice {pending.AnnouncementId} to all servers waiting for approval";
    }

    private static Dictionary<string, string> Texts(params (string Locale, string Text)[] texts) =>
        texts.ToDictionary(t => t.Locale, t => t.Text, StringComparer.Ordinal);

    private static AnnouncementPlan Plan(
        Dictionary<string, string> texts, string display, IReadOnlyList<string> servers, DateTimeOffset start, DateTimeOffset end, TimeSpan? every, int priority,
        DateTimeOffset? maintenanceAt = null, IReadOnlyList<int>? offsets = null, Dictionary<string, string>? finalTexts = null, bool allServers = false) =>
        new(texts, display, allServers, allServers ? [] : servers, start, end, every, priority, maintenanceAt, offsets ?? [], finalTexts ?? []);
}
