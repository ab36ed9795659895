using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using GmTools.Server.Players.Dossier;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.VipCare;

/// <summary>
/// The dossier's VIP part: the tier in force, the tier history (newest first) and the visits, open ones first then
/// past ones with their outcomes, the recent limit of each. The dossier has already checked the player is visible;
/// visits are the player's, whichever server they were planned on.
/// </summary>
public sealed class VipCareDossierSection(GmToolsDbContext db, VipTiers tiers, VisitQueries queries) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var playerId = context.Player.PlayerId;
        var vip = await db.Set<VipPlayer>().AsNoTracking().SingleOrDefaultAsync(v => v.PlayerId == playerId, ct);
        if (vip is not null && vip.Tier.Length > 0)
        {
            var thresholds = (await tiers.CurrentAsync(ct)).Thresholds;
            dossier.Vip = new DossierVip { Tier = TierRules.Rank(thresholds, vip.Tier), TierName = vip.Tier, TierReachedAt = Timestamp.FromDateTimeOffset(vip.TierSince) };
        }
        var history = await db.Set<VipTierChange>().AsNoTracking().Where(c => c.PlayerId == playerId)
            .OrderByDescending(c => c.ChangeId).Take(context.RecentLimit).ToListAsync(ct);
        dossier.VipTierHistory.AddRange(history.Select(c => new DossierTierChange
        {
            FromTier = c.FromTier,
            ToTier = c.ToTier,
            RechargeTotal = c.RechargeTotal,
            ChangedAt = Timestamp.FromDateTimeOffset(c.ChangedAt),
            Source = c.Source,
        }));
        var open = await db.Set<VisitTask>().AsNoTracking().Where(t => t.PlayerId == playerId && (t.State == VisitStates.Open || t.State == VisitStates.Claimed))
            .OrderBy(t => t.DueAt).Take(context.RecentLimit).ToListAsync(ct);
        var past = await db.Set<VisitTask>().AsNoTracking().Where(t => t.PlayerId == playerId && t.State != VisitStates.Open && t.State != VisitStates.Claimed)
            .OrderByDescending(t => t.CompletedAt).ThenByDescending(t => t.TaskId).Take(context.RecentLimit).ToListAsync(ct);
        dossier.Visits.AddRange(open.Concat(past).Select(t => new DossierVisit
        {
            VisitId = t.TaskId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Reason = t.Reason,
            State = queries.IsOverdue(t, context.Now) ? "overdue" : t.State,
            Agent = t.CompletedBy ?? t.Assignee ?? "",
            DueAt = Timestamp.FromDateTimeOffset(t.DueAt),
            Outcome = t.LastOutcome ?? "",
            Satisfaction = t.Satisfaction ?? 0,
            Notes = t.Notes,
            CompletedAt = t.CompletedAt is { } done ? Timestamp.FromDateTimeOffset(done) : null,
            Attempts = t.Attempts,
            Overdue = queries.IsOverdue(t, context.Now),
        }));
    }
}
