using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using GmTools.Server.Players.Dossier;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Cases;

/// <summary>
/// The dossier's cases: the player's most recent cases, newest first, up to the dossier's recent limit, from the
/// (player_id, case_id) index. Unlike sanctions, a case is an object of its game server (GetCase answers NOT_FOUND
/// outside the caller's scope), so cases opened while the player lived on a server the caller does not see are left
/// out here too. No contact: the dossier's contact read is the player's own.
/// </summary>
public sealed class CasesDossierSection(GmToolsDbContext db) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var cases = await db.Set<PlayerCase>().AsNoTracking()
            .Where(c => c.PlayerId == context.Player.PlayerId)
            .WhereVisible(context.Caller, c => c.GameServerId)
            .OrderByDescending(c => c.CaseId)
            .Take(context.RecentLimit)
            .ToListAsync(ct);
        dossier.Cases.AddRange(cases.Select(c => new DossierCase
        {
            CaseId = c.CaseId,
            Kind = c.Kind,
            State = c.State,
            Priority = c.Priority,
            Summary = c.Summary,
            Assignee = c.Assignee ?? "",
            EscalationLevel = c.EscalationLevel,
            OpenedAt = Timestamp.FromDateTimeOffset(c.OpenedAt),
            ResolutionDue = Timestamp.FromDateTimeOffset(c.ResolutionDue),
            Breached = c.FirstResponseBreachedAt is not null || c.ResolutionBreachedAt is not null,
        }));
    }
}
