using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Cases;

/// <summary>Reads: one case with its notes, a page of cases. A case's contact leaves only audited (personal data).</summary>
public sealed class CaseQueries(GmToolsDbContext db, AuditWriter audit)
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
        return new CaseWithNotes(c, notes, withContact);
    }

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
