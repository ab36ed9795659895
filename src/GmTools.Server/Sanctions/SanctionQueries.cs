using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Sanctions;

/// <summary>A player's sanctions: those in force now, and everything ever issued (newest first).</summary>
public sealed record PlayerSanctions(IReadOnlyList<Sanction> Active, IReadOnlyList<Sanction> History);

/// <summary>Reads of sanction history, for ListSanctions and for the player dossier.</summary>
public sealed class SanctionQueries(GmToolsDbContext db, TimeProvider time)
{
    /// <summary>For the dossier: no visibility check here; the dossier checks the player first.</summary>
    public async Task<PlayerSanctions> ForPlayerAsync(string playerId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var all = await db.Set<Sanction>().AsNoTracking()
            .Where(s => s.PlayerId == playerId)
            .OrderByDescending(s => s.IssuedAt).ThenByDescending(s => s.SanctionId)
            .ToListAsync(ct);
        return new PlayerSanctions(all.Where(s => s.IsActiveAt(now)).ToList(), all);
    }

    public async Task<IReadOnlyList<Sanction>> ListAsync(Caller caller, string playerId, bool includeHistory, CancellationToken ct)
    {
        var gameServerId = await db.Set<Player>().AsNoTracking().Where(p => p.PlayerId == playerId).Select(p => p.GameServerId).FirstOrDefaultAsync(ct);
        if (gameServerId is null || !caller.SeesPlayer(gameServerId))
        {
            throw GrpcErrors.NotFound(ObjectRules.PlayerNotFound(playerId));
        }
        var sanctions = await ForPlayerAsync(playerId, ct);
        return includeHistory ? sanctions.History : sanctions.Active;
    }
}
