using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>
/// Fires what is due, once per occurrence across replicas: due rows are locked FOR UPDATE SKIP LOCKED (a second
/// replica takes other rows or none), and the occurrence row (unique per announcement and moment), the show
/// commands, the audit record and the new next_fire_at commit together. A replica stopped mid-fire rolls back
/// and the next poll, anywhere, fires it. What is late is judged by <see cref="AnnouncementSchedule.Decide"/>.
/// </summary>
public sealed class AnnouncementDispatcher(
    GmToolsDbContext db,
    AnnouncementCommands commands,
    AuditWriter audit,
    IOptionsMonitor<AnnouncementOptions> options,
    TimeProvider time)
{
    /// <summary>Fires one batch of due announcements; returns the occurrences delivered.</summary>
    public async Task<int> FireDueAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var due = await db.Set<Announcement>()
            .FromSql($"SELECT * FROM announcements WHERE state = {AnnouncementStates.Published} AND next_fire_at <= {now} ORDER BY next_fire_at LIMIT {o.FireBatch} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        var delivered = 0;
        foreach (var a in due)
        {
            var decision = AnnouncementSchedule.Decide(AnnouncementDesk.Schedule(a), a.ConsideredThrough, now, o.CountdownGrace);
            foreach (var skipped in decision.Skipped)
            {
                db.Add(new AnnouncementOccurrence { AnnouncementId = a.AnnouncementId, OccursAt = skipped.At, MinutesLeft = skipped.MinutesLeft, Outcome = OccurrenceOutcomes.Skipped, RecordedAt = now });
            }
            if (decision.Deliver is { } fire)
            {
                var targets = await commands.TargetsAsync(a, ct);
                db.Add(new AnnouncementOccurrence { AnnouncementId = a.AnnouncementId, OccursAt = fire.At, MinutesLeft = fire.MinutesLeft, Outcome = OccurrenceOutcomes.Delivered, RecordedAt = now, GameServerIds = [.. targets] });
                commands.Show(a, fire, targets, AnnouncementCommands.Correlation(a.AnnouncementId, fire.At));
                await audit.AppendAsync(new AuditEntry("announcement.fire", "announcement", a.AnnouncementId.ToString(CultureInfo.InvariantCulture),
                    new { occursAt = fire.At, fire.MinutesLeft, late = now - fire.At, servers = targets.Count }), ct);
                delivered++;
            }
            var latest = decision.Skipped.Select(f => f.At).Append(decision.Deliver?.At ?? DateTimeOffset.MinValue).Max();
            if (latest > (a.ConsideredThrough ?? DateTimeOffset.MinValue))
            {
                a.ConsideredThrough = latest;
            }
            a.NextFireAt = decision.NextAt;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return delivered;
    }
}
