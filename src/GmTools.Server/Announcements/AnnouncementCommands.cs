using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Persistence;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>
/// Show and withdraw commands, through the outbox in the caller's transaction. A show's correlation names its
/// occurrence ("announcement:7@1764590400000"), which is how receipts find its acknowledgements.
/// </summary>
public sealed class AnnouncementCommands(GmToolsDbContext db, CommandOutbox outbox, IOptionsMonitor<AnnouncementOptions> options)
{
    public static string Prefix(long announcementId) => $"announcement:{announcementId.ToString(CultureInfo.InvariantCulture)}";

    public static string Correlation(long announcementId, DateTimeOffset occursAt) =>
        $"{Prefix(announcementId)}@{occursAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The servers a fire reaches now: the list, or every registered game server.</summary>
    public async Task<IReadOnlyList<string>> TargetsAsync(Announcement a, CancellationToken ct) =>
        a.AllServers
            ? await db.Set<GameServerEntity>().AsNoTracking().OrderBy(g => g.GameServerId).Select(g => g.GameServerId).ToListAsync(ct)
            : a.TargetGameServers;

    public void Show(Announcement a, Fire fire, IEnumerable<string> gameServerIds, string correlation)
    {
        var texts = AnnouncementTexts.ForFire(a, fire);
        var show = new ShowAnnouncement
        {
            AnnouncementId = a.AnnouncementId.ToString(CultureInfo.InvariantCulture),
            DisplayKind = a.Display,
            Priority = a.Priority,
            EndsAt = Timestamp.FromDateTimeOffset(fire.ExpiresAt),
            DefaultLocale = AnnouncementTexts.DefaultFor(texts, options.CurrentValue.DefaultLocale),
            OccursAt = Timestamp.FromDateTimeOffset(fire.At),
        };
        show.TextByLocale.Add(texts);
        var command = new GameCommand { ShowAnnouncement = show };
        foreach (var gs in gameServerIds)
        {
            // Past its moment a show means nothing; a server that reconnects later is sent what is active then.
            outbox.Enqueue(db, gs, command, correlation, fire.ExpiresAt);
        }
    }

    /// <summary>The servers that were sent a show of this announcement (by any occurrence or on connect).</summary>
    public async Task<IReadOnlyList<string>> ShownOnAsync(long announcementId, CancellationToken ct)
    {
        var prefix = Prefix(announcementId) + "@";
        var kind = CommandOutbox.KindOf(new GameCommand { ShowAnnouncement = new ShowAnnouncement() });
        var shows = await CommandHistory.ByCorrelationPrefixAsync(db, kind, prefix, ct);
        return [.. shows.Select(c => c.GameServerId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public void Withdraw(Announcement a, IEnumerable<string> gameServerIds)
    {
        var command = new GameCommand { CancelAnnouncement = new CancelAnnouncement { AnnouncementId = a.AnnouncementId.ToString(CultureInfo.InvariantCulture) } };
        foreach (var gs in gameServerIds)
        {
            outbox.Enqueue(db, gs, command, Prefix(a.AnnouncementId) + ":withdraw");
        }
    }
}
