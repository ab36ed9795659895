using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>Reads: one, a page, receipts, and what is active on one game server now.</summary>
public sealed class AnnouncementQueries(GmToolsDbContext db, IOptionsMonitor<AnnouncementOptions> options, TimeProvider time)
{
    public const string Scheduled = "scheduled";
    public const string Active = "active";
    public const string Ended = "ended";
    public const int MaxReceipts = 200;

    public async Task<Announcement> GetAsync(Caller caller, long id, CancellationToken ct) =>
        caller.VisibleAnnouncement(await db.Set<Announcement>().AsNoTracking().SingleOrDefaultAsync(a => a.AnnouncementId == id, ct), id);

    public async Task<IReadOnlyList<Announcement>> ListAsync(Caller caller, AnnouncementFilter filter, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = db.Set<Announcement>().AsNoTracking();
        if (caller.VisibleServers() is { } scope)
        {
            var list = scope.ToList();
            rows = rows.Where(a => !a.AllServers && a.TargetGameServers.All(t => list.Contains(t)));
        }
        if (filter.GameServerId is { } gs)
        {
            rows = rows.Where(a => a.AllServers || a.TargetGameServers.Contains(gs));
        }
        rows = filter.State switch
        {
            null => rows,
            Scheduled => rows.Where(a => a.State == AnnouncementStates.Published && a.StartsAt > now),
            Active => rows.Where(a => a.State == AnnouncementStates.Published && a.StartsAt <= now && a.EndsAt > now),
            Ended => rows.Where(a => a.State == AnnouncementStates.Published && a.EndsAt <= now),
            var state => rows.Where(a => a.State == state),
        };
        if (filter.After is { } after)
        {
            rows = rows.Where(a => a.AnnouncementId < after);
        }
        return await rows.OrderByDescending(a => a.AnnouncementId).Take(filter.PageSize + 1).ToListAsync(ct);
    }

    /// <summary>Per occurrence, the target servers whose show command was acknowledged as applied, and the others.</summary>
    public async Task<IReadOnlyList<OccurrenceReceipt>> ReceiptsAsync(Caller caller, long id, CancellationToken ct)
    {
        await GetAsync(caller, id, ct);
        var occurrences = await db.Set<AnnouncementOccurrence>().AsNoTracking().Where(o => o.AnnouncementId == id)
            .OrderByDescending(o => o.OccursAt).Take(MaxReceipts).ToListAsync(ct);
        var correlations = occurrences.Select(o => AnnouncementCommands.Correlation(id, o.OccursAt)).ToList();
        var applied = (await CommandHistory.ByCorrelationAsync(db, correlations, ct)).Where(c => c.Outcome == OutboxStore.Applied);
        var byOccurrence = applied.ToLookup(c => c.CorrelationId, c => c.GameServerId, StringComparer.Ordinal);
        return [.. occurrences.Select(o =>
        {
            var acked = byOccurrence[AnnouncementCommands.Correlation(id, o.OccursAt)].ToHashSet(StringComparer.Ordinal);
            var missing = o.GameServerIds.Where(gs => !acked.Contains(gs)).Order(StringComparer.Ordinal).ToList();
            return new OccurrenceReceipt(o.OccursAt, o.RecordedAt, o.Outcome, o.GameServerIds.Count, o.GameServerIds.Count - missing.Count, missing);
        })];
    }

    /// <summary>
    /// Published announcements reaching this server whose current fire is still showing: a plain one inside its
    /// window, a countdown's latest step until the next one comes. Texts in the server's locale (or the default).
    /// </summary>
    public async Task<IReadOnlyList<ActiveShow>> ActiveOnAsync(string gameServerId, string? locale, CancellationToken ct)
    {
        var shows = new List<ActiveShow>();
        foreach (var (a, fire) in await ShowingOnAsync(gameServerId, time.GetUtcNow(), ct))
        {
            var (chosen, text) = AnnouncementTexts.Resolve(AnnouncementTexts.ForFire(a, fire), locale, options.CurrentValue.DefaultLocale);
            shows.Add(new ActiveShow(a, chosen, text, fire.ExpiresAt));
        }
        return shows;
    }

    /// <summary>What should be showing on this server at <paramref name="now"/>, each with its current fire, by priority.</summary>
    public async Task<IReadOnlyList<(Announcement Announcement, Fire Fire)>> ShowingOnAsync(string gameServerId, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.Set<Announcement>().AsNoTracking()
            .Where(a => a.State == AnnouncementStates.Published && a.StartsAt <= now && a.EndsAt > now)
            .Where(a => a.AllServers || a.TargetGameServers.Contains(gameServerId))
            .OrderByDescending(a => a.Priority).ThenBy(a => a.AnnouncementId)
            .ToListAsync(ct);
        var showing = new List<(Announcement, Fire)>(rows.Count);
        foreach (var a in rows)
        {
            if (CurrentFire(a, now) is { } fire)
            {
                showing.Add((a, fire));
            }
        }
        return showing;
    }

    /// <summary>The fire showing now: the latest at or before now that has not expired.</summary>
    public static Fire? CurrentFire(Announcement a, DateTimeOffset now) =>
        AnnouncementSchedule.LatestDue(AnnouncementDesk.Schedule(a), null, now) is { } fire && now < fire.ExpiresAt ? fire : null;
}
