using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmTools.Server.Cases;

/// <summary>
/// Links a case to what it concerns. The case row is locked first (links and state changes of one case take
/// turns); the object is found and checked by its kind's <see cref="ICaseLinkTarget"/>; link and audit record
/// commit together.
/// </summary>
public sealed class CaseLinkDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    RequestContext request,
    IEnumerable<ICaseLinkTarget> targets,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<LinkedCase> LinkAsync(LinkCaseOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = Caller.VisibleCase(await db.LockAsync<PlayerCase>(order.CaseId, ct), order.CaseId);
        if (c.State == CaseStates.Closed)
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is closed; reopen it before linking to it");
        }
        var target = targets.FirstOrDefault(t => t.Kind == order.Kind)
            ?? throw GrpcErrors.FailedPrecondition($"nothing keeps {order.Kind} records yet, so a case cannot be linked to one");
        var found = await target.FindAsync(Caller, c, order.ObjectId, order.GameServerId, ct);
        if (await db.Set<CaseLink>().AsNoTracking().FirstOrDefaultAsync(l => l.CaseId == c.CaseId && l.Kind == order.Kind
                && l.GameServerId == found.GameServerId && l.ObjectId == found.ObjectId, ct) is { } first)
        {
            throw AlreadyLinked(c, first);
        }
        var link = new CaseLink
        {
            CaseId = c.CaseId,
            Kind = order.Kind,
            ObjectId = found.ObjectId,
            GameServerId = found.GameServerId,
            Note = order.Note,
            LinkedBy = Caller.Id,
            LinkedAt = now,
            LineText = found.LineText,
            PrivateLine = found.PrivateLine,
        };
        db.Add(link);
        c.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: CaseLinkNames.UniqueIndex })
        {
            // Cannot happen while the case row is locked, but the index is the rule: say so plainly if it does.
            throw GrpcErrors.AlreadyExists($"case {c.CaseId} is already linked to {order.Kind} {found.ObjectId}");
        }
        // The line's text is evidence kept on the link; the audit record names the line, not its words.
        await audit.AppendAsync(new AuditEntry("case.link", "case", c.CaseId.ToString(CultureInfo.InvariantCulture),
            new { link.LinkId, link.Kind, link.ObjectId, gameServerId = link.GameServerId.Length > 0 ? link.GameServerId : null },
            PlayerId: c.PlayerId, GameServerId: c.GameServerId, Reason: order.Note, TicketRef: "case:" + c.CaseId.ToString(CultureInfo.InvariantCulture)), ct);
        await tx.CommitAsync(ct);
        return new LinkedCase(c, link);
    }

    private static Grpc.Core.RpcException AlreadyLinked(PlayerCase c, CaseLink first) =>
        GrpcErrors.AlreadyExists($"case {c.CaseId} is already linked to {first.Kind} {first.ObjectId} (link {first.LinkId}, by {first.LinkedBy})");
}
