using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Announcements;

/// <summary>
/// A game server whose stream opens gets, through the outbox, a show of every announcement that should be showing on
/// it now (a restarted game server has lost what it displayed; a server added to the targets, or registered after an
/// all-servers fire, never had it). The show carries its occurrence's correlation, so receipts count its ack like the
/// fire's. Skipped when a show of that occurrence is still pending for the server: it goes out on this stream anyway.
/// A resend of an occurrence the game server already shows is shown once (ShowAnnouncement.occurs_at).
/// </summary>
public sealed class AnnouncementsOnConnect(GmToolsDbContext db, AnnouncementQueries queries, AnnouncementCommands commands, TimeProvider time) : IGameLinkConnectContributor
{
    public async Task OnStreamOpenedAsync(string gameServerId, long lastAppliedCommandId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var showing = await queries.ShowingOnAsync(gameServerId, now, ct);
        if (showing.Count == 0)
        {
            return;
        }
        var correlations = showing.Select(s => AnnouncementCommands.Correlation(s.Announcement.AnnouncementId, s.Fire.At)).ToList();
        var pending = await db.Set<OutboxCommand>().AsNoTracking()
            .Where(c => c.GameServerId == gameServerId && c.CorrelationId != null && correlations.Contains(c.CorrelationId)
                        && c.Outcome == null && (c.ExpiresAt == null || c.ExpiresAt > now))
            .Select(c => c.CorrelationId!).ToListAsync(ct);
        for (var i = 0; i < showing.Count; i++)
        {
            if (!pending.Contains(correlations[i], StringComparer.Ordinal))
            {
                commands.Show(showing[i].Announcement, showing[i].Fire, [gameServerId], correlations[i]);
            }
        }
        await db.SaveChangesAsync(ct);
    }
}
