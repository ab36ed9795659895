using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Rewards;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Cases;

/// <summary>Reads: one case with its notes, a page of cases. A case's contact leaves only audited (personal data).</summary>
public sealed class CaseQueries(GmToolsDbContext db, AuditWriter audit, IEnumerable<ICaseLinkTarget> targets)
{
    public const string ReadContactAction = "case.read_contact";

    public async Task<CaseWithNotes> GetAsync(Caller caller, long caseId, CancellationToken ct)
    {
        var c = caller.VisibleCase(await db.Set<PlayerCase>().AsNoTracking().SingleOrDefaultAsync(x => x.CaseId == caseId, ct), caseId);
        var notes = await db.Set<CaseNoteEntity>().AsNoTracking().Where(n => n.CaseId == caseId)
            .OrderByDescending(n => n.NoteId).Take(CaseLimits.NotesShown).ToListAsync(ct);
        notes.Reverse();
        var withContact = caller.Holds(Permissions.PlayersReadContact) && c.Contact.Length > 0;
        if (withContact)
        {
            // Written and committed before the answer is sent: a read that cannot be audited is not answered.
            await audit.AppendStandaloneAsync(new AuditEntry(ReadContactAction, "case", caseId.ToString(CultureInfo.InvariantCulture),
                new { via = "GetCase" }, PlayerId: c.PlayerId, GameServerId: c.GameServerId), AuditWriter.Succeeded, ct);
        }
        return new CaseWithNotes(c, notes, withContact, await LinksAsync(caller, caseId, ct));
    }

    /// <summary>
    /// The case's links and what was made from it (grants and lifts carrying its id), oldest first. Each object is
    /// described only when the caller may see it; a private chat line's text only with players.read_contact.
    /// </summary>
    private async Task<IReadOnlyList<CaseLinkView>> LinksAsync(Caller caller, long caseId, CancellationToken ct)
    {
        var links = await db.Set<CaseLink>().AsNoTracking().Where(l => l.CaseId == caseId)
            .OrderBy(l => l.LinkId).Take(CaseLimits.LinksShown).ToListAsync(ct);
        var grants = await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients).Where(g => g.CaseId == caseId)
            .OrderBy(g => g.GrantId).Take(CaseLimits.LinksShown).ToListAsync(ct);
        var lifts = await db.Set<Sanction>().AsNoTracking().Where(s => s.LiftCaseId == caseId)
            .OrderBy(s => s.LiftedAt).Take(CaseLimits.LinksShown).ToListAsync(ct);
        var adjustments = await db.Set<RechargeAdjustment>().AsNoTracking().Where(a => a.CaseId == caseId)
            .OrderBy(a => a.AdjustmentId).Take(CaseLimits.LinksShown).ToListAsync(ct);
        var summaries = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var byKind in links.GroupBy(l => l.Kind))
        {
            if (targets.FirstOrDefault(t => t.Kind == byKind.Key) is { } target)
            {
                summaries[byKind.Key] = await target.DescribeAsync(caller, [.. byKind.Select(l => l.ObjectId)], ct);
            }
        }
        var readsPrivate = caller.Holds(Permissions.PlayersReadContact);
        string Summary(CaseLink l) => l.LineText is { } text
            ? (l.PrivateLine && !readsPrivate ? "(private line)" : text)
            : summaries.TryGetValue(l.Kind, out var of) && of.TryGetValue(l.ObjectId, out var s) ? s : "";
        var views = links.Select(l => new CaseLinkView(l.Kind, l.ObjectId, l.GameServerId, false, l.LinkedBy, l.LinkedAt, l.Note, Summary(l)))
            .Concat(grants.Select(g => new CaseLinkView(CaseLinkKinds.Grant, Id(g.GrantId), "", true, g.Requester, g.CreatedAt, g.Reason,
                caller.SeesGrant(g) ? GrantLinkTarget.Describe(g) : "")))
            .Concat(lifts.Select(s => new CaseLinkView(CaseLinkKinds.Sanction, Id(s.SanctionId), "", true, s.LiftedBy ?? "", s.LiftedAt ?? default, s.LiftReason ?? "",
                caller.SeesSanction(s) ? SanctionLinkTarget.Describe(s) : "")))
            .Concat(adjustments.Select(a => new CaseLinkView(CaseLinkKinds.RechargeAdjustment, Id(a.AdjustmentId), "", true, a.RequestedBy, a.RequestedAt, a.Reason,
                $"recharge adjustment, {a.State}, {a.Amount.ToString(CultureInfo.InvariantCulture)} {a.Currency}, payment {a.PaymentReference}")));
        return [.. views.OrderBy(v => v.At)];
    }

    /// <summary>Newest first, within the caller's scope; <see cref="RechargeAdjustmentFilter.PageSize"/> + 1 rows.</summary>
    public async Task<IReadOnlyList<RechargeAdjustment>> AdjustmentsAsync(Caller caller, RechargeAdjustmentFilter f, CancellationToken ct)
    {
        var rows = db.Set<RechargeAdjustment>().AsNoTracking().WhereVisible(caller, a => a.GameServerId);
        if (f.CaseId is { } caseId)
        {
            rows = rows.Where(a => a.CaseId == caseId);
        }
        if (f.State is { } state)
        {
            rows = rows.Where(a => a.State == state);
        }
        if (f.Before is { } before)
        {
            rows = rows.Where(a => a.AdjustmentId < before);
        }
        return await rows.OrderByDescending(a => a.AdjustmentId).Take(f.PageSize + 1).ToListAsync(ct);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Newest first; <see cref="CaseFilter.PageSize"/> + 1 rows so the caller can tell there is more.</summary>
    public async Task<IReadOnlyList<PlayerCase>> ListAsync(Caller caller, CaseFilter f, CancellationToken ct)
    {
        var rows = db.Set<PlayerCase>().AsNoTracking().WhereVisible(caller, c => c.GameServerId);
        if (f.PlayerId is { } player)
        {
            rows = rows.Where(c => c.PlayerId == player);
        }
        if (f.State is { } state)
        {
            rows = rows.Where(c => c.State == state);
        }
        if (f.Kind is { } kind)
        {
            rows = rows.Where(c => c.Kind == kind);
        }
        if (f.Assignee is { } assignee)
        {
            rows = rows.Where(c => c.Assignee == assignee);
        }
        if (f.UnassignedOnly)
        {
            rows = rows.Where(c => c.Assignee == null);
        }
        if (f.GameServerId is { } gs)
        {
            rows = rows.Where(c => c.GameServerId == gs);
        }
        if (f.EscalationLevel is { } level)
        {
            rows = rows.Where(c => c.EscalationLevel == level);
        }
        if (f.BreachedOnly)
        {
            rows = rows.Where(c => c.FirstResponseBreachedAt != null || c.ResolutionBreachedAt != null);
        }
        if (f.Before is { } before)
        {
            rows = rows.Where(c => c.CaseId < before);
        }
        return await rows.OrderByDescending(c => c.CaseId).Take(f.PageSize + 1).ToListAsync(ct);
    }
}
