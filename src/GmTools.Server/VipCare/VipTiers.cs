using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.VipCare;

/// <summary>
/// The tier thresholds (versioned; a change is a new version, audited) and the tiers of players: recomputed from
/// recharge_total on profile sync and by the planning run's reconcile, each move recorded with its time in the tier
/// history and audited; reaching a tier plans the welcome visit at once.
/// </summary>
public sealed class VipTiers(GmToolsDbContext db, AuditWriter audit, RequestContext request, VisitPlans plans, TimeProvider time)
{
    public async Task<VipTierVersion> CurrentAsync(CancellationToken ct) =>
        await db.Set<VipTierVersion>().AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct)
        ?? new VipTierVersion { Version = 0, Tiers = "[]" };

    public async Task<VipTierVersion> PutAsync(PutTiersOrder order, CancellationToken ct)
    {
        // One set of thresholds for every server: changing it is for staff who see every server.
        request.Caller.EnsureCoversEveryServer("changing the VIP tiers (one set for every game server)");
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("vip.tiers", ct);
        var current = await CurrentAsync(ct);
        if (current.Version != order.ExpectedVersion)
        {
            throw GrpcErrors.FailedPrecondition($"the tiers are at version {current.Version}, not {order.ExpectedVersion}: read them again");
        }
        var next = new VipTierVersion
        {
            Version = current.Version + 1,
            Tiers = VipTierVersion.Serialize(order.Tiers),
            ChangedBy = request.Caller.Id,
            ChangedAt = now,
            Note = order.Note,
        };
        db.Add(next);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("vip.tiers.put", "vip_tiers", next.Version.ToString(CultureInfo.InvariantCulture),
            new { from = current.Thresholds, to = order.Tiers }, Reason: order.Note), ct);
        await tx.CommitAsync(ct);
        return next;
    }

    /// <summary>
    /// Recomputes the tiers of these players from their recharge totals, in one transaction: rows locked in player
    /// order (two replicas recomputing the same player take turns, and the second sees the first's result), each move
    /// recorded, audited and, when it is a tier reached, its welcome visit planned. Returns the moves.
    /// </summary>
    public async Task<IReadOnlyList<VipTierChange>> ApplyAsync(IReadOnlyCollection<string> playerIds, string source, CancellationToken ct)
    {
        if (playerIds.Count == 0)
        {
            return [];
        }
        var now = time.GetUtcNow();
        var ids = playerIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await using var tx = await db.BeginWorkAsync(ct);
        var version = await CurrentAsync(ct);
        var tiers = version.Thresholds;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO vip_players (player_id, tier, tier_since, recharge_total, tier_version, updated_at)
            SELECT player_id, '', {now}, 0, 0, {now} FROM players WHERE player_id = ANY({ids})
            ORDER BY player_id
            ON CONFLICT DO NOTHING
            """, ct);
        var rows = await db.Set<VipPlayer>().FromSql($"SELECT * FROM vip_players WHERE player_id = ANY({ids}) ORDER BY player_id FOR UPDATE").ToListAsync(ct);
        var players = await db.Set<Player>().AsNoTracking().Where(p => ids.Contains(p.PlayerId))
            .Select(p => new { p.PlayerId, p.GameServerId, p.RechargeTotal }).ToDictionaryAsync(p => p.PlayerId, StringComparer.Ordinal, ct);
        var changes = new List<VipTierChange>();
        foreach (var vip in rows)
        {
            var player = players[vip.PlayerId];
            var tier = TierRules.TierOf(tiers, player.RechargeTotal);
            vip.RechargeTotal = player.RechargeTotal;
            vip.TierVersion = version.Version;
            vip.UpdatedAt = now;
            if (string.Equals(tier, vip.Tier, StringComparison.Ordinal))
            {
                continue;
            }
            var change = new VipTierChange
            {
                PlayerId = vip.PlayerId,
                GameServerId = player.GameServerId,
                FromTier = vip.Tier,
                ToTier = tier,
                RechargeTotal = player.RechargeTotal,
                TierVersion = version.Version,
                Source = source,
                ChangedAt = now,
            };
            vip.Tier = tier;
            vip.TierSince = now;
            db.Add(change);
            changes.Add(change);
        }
        await db.SaveChangesAsync(ct);
        foreach (var change in changes)
        {
            await audit.AppendAsync(new AuditEntry("vip.tier", "player", change.PlayerId,
                new { from = change.FromTier, to = change.ToTier, change.RechargeTotal, change.TierVersion, change.Source },
                PlayerId: change.PlayerId, GameServerId: change.GameServerId), ct);
        }
        var welcomes = changes.Where(c => c.ToTier.Length > 0 && TierRules.IsUpgrade(tiers, c.FromTier, c.ToTier)).ToList();
        if (welcomes.Count > 0)
        {
            await plans.WelcomeAsync(welcomes, now, ct);
        }
        await tx.CommitAsync(ct);
        return changes;
    }

    /// <summary>Players whose stored tier disagrees with their recharge total under the thresholds in force.</summary>
    public async Task<IReadOnlyList<string>> DisagreeingAsync(int limit, CancellationToken ct)
    {
        var tiers = (await CurrentAsync(ct)).Thresholds;
        var names = tiers.Select(t => t.Name).ToArray();
        var mins = tiers.Select(t => t.MinRecharge).ToArray();
        var lowest = tiers.Count == 0 ? long.MaxValue : tiers.Min(t => t.MinRecharge);
        // Only players at or above the lowest threshold, or holding a tier, can disagree.
        return await db.Database.SqlQuery<string>($"""
            SELECT p.player_id AS "Value"
            FROM players p LEFT JOIN vip_players v ON v.player_id = p.player_id
            WHERE (p.recharge_total >= {lowest} OR coalesce(v.tier, '') <> '')
              AND coalesce(v.tier, '') <> coalesce((SELECT t.name FROM unnest({names}::text[], {mins}::bigint[]) AS t(name, min)
                                                    WHERE p.recharge_total >= t.min ORDER BY t.min DESC LIMIT 1), '')
            ORDER BY p.player_id
            LIMIT {limit}
            """).ToListAsync(ct);
    }
}
