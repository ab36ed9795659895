using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Cases;

/// <summary>
/// The check other capabilities make when something is made from a case (a grant, a lift): the case exists and is
/// visible to the caller (else NOT_FOUND, as for any object out of scope), is not closed, and the thing made is for
/// the case's player alone (else FAILED_PRECONDITION). It only reads; the grant or sanction stores the case id and
/// the case reads them back (<see cref="CaseQueries"/>).
/// </summary>
public static class CaseReferences
{
    public static async Task<PlayerCase> EnsureMadeFromAsync(GmToolsDbContext db, Caller caller, long caseId, IReadOnlyCollection<string> playerIds, string what, CancellationToken ct)
    {
        var c = caller.VisibleCase(await db.Set<PlayerCase>().AsNoTracking().SingleOrDefaultAsync(x => x.CaseId == caseId, ct), caseId);
        if (c.State == CaseStates.Closed)
        {
            throw GrpcErrors.FailedPrecondition($"case {caseId} is closed; reopen it before acting on it");
        }
        if (playerIds.Count != 1 || !playerIds.Contains(c.PlayerId, StringComparer.Ordinal))
        {
            throw GrpcErrors.FailedPrecondition($"{what} made from case {caseId} must be for its player {c.PlayerId} alone");
        }
        return c;
    }
}
