using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using GmTools.Server.Players.Dossier;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Anomalies;

/// <summary>
/// The dossier's anomalies: the player's recent reports on game servers the caller sees, each summarised with the
/// case it belongs to (state and id), so a GM sees at a glance whether a pattern was reviewed.
/// </summary>
public sealed class AnomalyDossierSection(GmToolsDbContext db) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var playerId = context.Player.PlayerId;
        var reports = await db.Set<AnomalyReport>().Where(r => r.PlayerId == playerId)
            .RecentVisibleAsync(context, r => r.GameServerId, r => r.AnomalyId, ct);
        var caseIds = reports.Where(r => r.CaseId is not null).Select(r => r.CaseId!.Value).Distinct().ToArray();
        var cases = await db.Set<AnomalyCase>().AsNoTracking().Where(c => caseIds.Contains(c.CaseId))
            .ToDictionaryAsync(c => c.CaseId, c => c.State, ct);
        dossier.RecentAnomalies.AddRange(reports.Select(r => new DossierAnomaly
        {
            ReportId = r.ReportId,
            GameServerId = r.GameServerId,
            Kind = r.Kind,
            Severity = r.Severity,
            ReportedAt = Timestamp.FromDateTimeOffset(r.OccurredAt),
            Summary = (r.CaseId is { } c && cases.TryGetValue(c, out var state) ? $"[case {c}: {state}] " : "") + r.Summary,
        }));
    }
}
