using System.Globalization;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Sanctions;

/// <summary>Which of a player's sanctions a page holds.</summary>
public enum SanctionFilter
{
    All,
    /// <summary>In force now.</summary>
    InForce,
    /// <summary>No longer in force: ended, lifted, or a kick.</summary>
    Past,
}

/// <summary>One page of a player's sanctions, newest first, and the token of the next (empty on the last).</summary>
public sealed record SanctionPage(IReadOnlyList<Sanction> Sanctions, string NextPageToken);

/// <summary>
/// Reads of sanction history, for ListSanctions and for the player dossier: a page at a time, never a whole history.
/// Pages that include history go to the read replica while it is within its staleness bound (<see cref="ReadDb"/>);
/// what is in force now is always read from the primary, so a sanction just issued or lifted shows as such.
/// </summary>
public sealed class SanctionQueries(GmToolsDbContext db, ReadDb reads, TimeProvider time)
{
    public const int MaxPageSize = 500;

    /// <summary>For the dossier: no visibility check here; the dossier checks the player first.</summary>
    public async Task<SanctionPage> PageAsync(string playerId, SanctionFilter filter, int size, string pageToken, string tokenField, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var source = filter == SanctionFilter.InForce ? db : reads.Db;
        var q = source.Set<Sanction>().AsNoTracking().Where(s => s.PlayerId == playerId);
        q = filter switch
        {
            // Sanction.IsActiveAt, in SQL.
            SanctionFilter.InForce => q.Where(s => s.Kind != SanctionKinds.Kick && s.LiftedAt == null && (s.EndsAt == null || s.EndsAt > now)),
            SanctionFilter.Past => q.Where(s => s.Kind == SanctionKinds.Kick || s.LiftedAt != null || (s.EndsAt != null && s.EndsAt <= now)),
            _ => q,
        };
        if (Decode(pageToken, tokenField) is var (issuedAt, sanctionId))
        {
            q = q.Where(s => s.IssuedAt < issuedAt || (s.IssuedAt == issuedAt && s.SanctionId < sanctionId));
        }
        var rows = await q.OrderByDescending(s => s.IssuedAt).ThenByDescending(s => s.SanctionId).Take(size + 1).ToListAsync(ct);
        if (rows.Count <= size)
        {
            return new SanctionPage(rows, "");
        }
        rows.RemoveAt(size);
        var last = rows[^1];
        return new SanctionPage(rows, PageToken.Encode(string.Create(CultureInfo.InvariantCulture, $"{last.IssuedAt.UtcTicks}:{last.SanctionId}")));
    }

    public async Task<SanctionPage> ListAsync(Caller caller, string playerId, bool includeHistory, int pageSize, string pageToken, CancellationToken ct)
    {
        var size = PageToken.Size(pageSize, MaxPageSize);
        var gameServerId = await db.Set<Player>().AsNoTracking().Where(p => p.PlayerId == playerId).Select(p => p.GameServerId).FirstOrDefaultAsync(ct);
        if (gameServerId is null || !caller.SeesPlayer(gameServerId))
        {
            throw GrpcErrors.NotFound(ObjectRules.PlayerNotFound(playerId));
        }
        return await PageAsync(playerId, includeHistory ? SanctionFilter.All : SanctionFilter.InForce, size, pageToken, "page_token", ct);
    }

    private static (DateTimeOffset IssuedAt, long SanctionId)? Decode(string token, string field)
    {
        if (PageToken.Decode(token, field) is not { } cursor)
        {
            return null;
        }
        var parts = cursor.Split(':');
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks is >= 0 and <= 3155378975999999999
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return (new DateTimeOffset(ticks, TimeSpan.Zero), id);
        }
        throw GrpcErrors.InvalidArgument(field, "is not a token this server issued");
    }
}
