using System.Linq.Expressions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Players.Dossier;

/// <summary>The read most dossier sections start with.</summary>
public static class DossierQueries
{
    /// <summary>
    /// The newest of the player's rows (already filtered to the player by the caller) on game servers the caller sees,
    /// at most the dossier's recent limit, untracked.
    /// </summary>
    public static Task<List<T>> RecentVisibleAsync<T, TOrder>(this IQueryable<T> playerRows, DossierContext context,
        Expression<Func<T, string?>> gameServerOf, Expression<Func<T, TOrder>> newestFirst, CancellationToken ct)
        where T : class =>
        playerRows.AsNoTracking()
            .WhereVisible(context.Caller, gameServerOf)
            .OrderByDescending(newestFirst)
            .Take(context.RecentLimit)
            .ToListAsync(ct);
}
