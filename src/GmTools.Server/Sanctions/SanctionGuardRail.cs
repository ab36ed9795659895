using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Mass-sanction accidents are a known disaster in this trade: one staff member may sanction at most N distinct
/// players in a sliding minute. Counted in PostgreSQL from the issuer's own recent sanctions (so it holds across
/// replicas), under a per-issuer advisory lock (so two concurrent calls cannot both slip under the limit).
/// Sanctions a supervisor approved (bulk) do not count.
/// </summary>
public sealed class SanctionGuardRail(GmToolsDbContext db, IOptionsMonitor<SanctionOptions> options)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Must run inside the caller's transaction, before the new sanctions are written.</summary>
    public async Task EnsureWithinAsync(string issuer, IReadOnlyCollection<string> playerIds, DateTimeOffset now, CancellationToken ct)
    {
        await db.AdvisoryLockAsync("sanction-guard:" + issuer, ct);
        var since = now - Window;
        var ids = playerIds.ToArray();
        var recent = await db.Set<Sanction>().AsNoTracking()
            .Where(s => s.IssuedBy == issuer && s.IssuedAt > since && s.ApprovedBy == null && !ids.Contains(s.PlayerId))
            .Select(s => s.PlayerId).Distinct().CountAsync(ct);
        var limit = options.CurrentValue.GuardRailPlayersPerMinute;
        if (recent + ids.Length > limit)
        {
            throw GrpcErrors.ResourceExhausted(
                $"guard rail: at most {limit} players per minute may be sanctioned without a supervisor ({recent} already in the last minute); use a bulk sanction with approval");
        }
    }
}
