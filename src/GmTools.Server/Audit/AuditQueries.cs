using GmTools.Server.Players;
using GmTools.Server.Security;

namespace GmTools.Server.Audit;

/// <summary>The query form of <see cref="ObjectRules.SeesAuditRecord"/>, for listing the trail to a scoped reader.</summary>
public static class AuditQueries
{
    /// <summary>
    /// Only records a caller may read: those naming a game server it sees; those naming no server but a player whose
    /// home it sees; the rest (campaigns, the catalogue, refusals, server-less facts) only for unscoped readers.
    /// </summary>
    public static IQueryable<AuditRecord> WhereVisible(this IQueryable<AuditRecord> records, Caller caller, IQueryable<Player> players)
    {
        if (caller.VisibleServers() is not { } visible)
        {
            return records;
        }
        var scope = visible.ToList();
        return records.Where(r => r.GameServerId != null
            ? scope.Contains(r.GameServerId)
            : r.PlayerId != null && players.Any(p => p.PlayerId == r.PlayerId && scope.Contains(p.GameServerId)));
    }
}
