using GmTools.Contracts.V1;
using GmTools.Server.Announcements;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Announcements;

/// <summary>Specs, publishing, firing by hand and reading the show commands back: shared by the announcement tests.</summary>
internal static class AnnouncementsKit
{
    public const string DoubleXpZh = "双倍经验活动进行中";
    public const string DoubleXpEn = "Double XP is on";

    public static AnnouncementService.AnnouncementServiceClient Staff(this ServerFixture fx, string user, Role role = Role.Gm) => new(fx.StaffChannel(user, role));

    public static AnnouncementSpec Spec(DateTimeOffset start, TimeSpan length, TimeSpan? every, params string[] servers)
    {
        var spec = new AnnouncementSpec
        {
            Display = AnnouncementDisplay.Marquee,
            Targets = new AnnouncementTargets { GameServerIds = { servers } },
            Start = Timestamp.FromDateTimeOffset(start),
            End = Timestamp.FromDateTimeOffset(start + length),
            RepeatInterval = every is { } e ? Duration.FromTimeSpan(e) : null,
            Priority = 5,
        };
        spec.Texts.Add(new LocalizedText { Locale = "zh-CN", Text = DoubleXpZh });
        spec.Texts.Add(new LocalizedText { Locale = "en", Text = DoubleXpEn });
        return spec;
    }

    /// <summary>Steps 60, 30, 10, 5, 1 minutes before <paramref name="maintenance"/>; the window ends 30 minutes after it.</summary>
    public static AnnouncementSpec CountdownSpec(DateTimeOffset start, DateTimeOffset maintenance, params string[] servers) =>
        CountdownSpec(start, maintenance, [60, 30, 10, 5, 1], servers);

    public static AnnouncementSpec CountdownSpec(DateTimeOffset start, DateTimeOffset maintenance, int[] offsets, params string[] servers)
    {
        var spec = Spec(start, maintenance - start + TimeSpan.FromMinutes(30), null, servers);
        spec.Texts.Clear();
        spec.Texts.Add(new LocalizedText { Locale = "zh-CN", Text = "服务器将在{minutes}分钟后停机维护（{time}）" });
        spec.Texts.Add(new LocalizedText { Locale = "en", Text = "Maintenance in {minutes} minutes ({time} UTC)" });
        spec.Countdown = new MaintenanceCountdown { MaintenanceAt = Timestamp.FromDateTimeOffset(maintenance), OffsetsMinutes = { offsets } };
        spec.Countdown.FinalTexts.Add(new LocalizedText { Locale = "en", Text = "Servers are going down now" });
        return spec;
    }

    /// <summary>Created and published by gina (a GM); fails if it waits for approval.</summary>
    public static async Task<long> PublishAsync(this ServerFixture fx, AnnouncementSpec spec)
    {
        var created = await fx.Staff("gina").CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = spec, Publish = true, IdempotencyKey = Guid.NewGuid().ToString() });
        Assert.NotEqual(AnnouncementState.PendingApproval, created.Announcement.State);
        return created.Announcement.AnnouncementId;
    }

    /// <summary>One poll of the due-fires poller on <paramref name="replica"/>, as the Quartz job runs it.</summary>
    public static async Task<int> FireAsync(GmToolsFactory replica, CancellationToken ct = default)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AnnouncementDispatcher>().FireDueAsync(ct);
    }

    /// <summary>(game server, occurs_at minutes after <paramref name="t0"/>) of every show command of the announcement.</summary>
    public static async Task<List<(string Server, double Minutes)>> ShowsAsync(this ServerFixture fx, long id, DateTimeOffset t0)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT game_server_id, correlation_id FROM gamelink_outbox WHERE kind = 'show_announcement' AND correlation_id LIKE @p ORDER BY correlation_id, game_server_id, command_id", conn);
        cmd.Parameters.AddWithValue("p", AnnouncementCommands.Prefix(id) + "@%");
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, double)>();
        while (await reader.ReadAsync())
        {
            var ms = long.Parse(reader.GetString(1).Split('@')[1], System.Globalization.CultureInfo.InvariantCulture);
            rows.Add((reader.GetString(0), (DateTimeOffset.FromUnixTimeMilliseconds(ms) - t0).TotalMinutes));
        }
        return rows;
    }

    public static async Task<List<double>> FireMinutesAsync(this ServerFixture fx, long id, DateTimeOffset t0) =>
        [.. (await fx.ShowsAsync(id, t0)).Select(s => s.Minutes).Distinct()];
}
