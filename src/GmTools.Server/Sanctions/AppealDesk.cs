using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

public sealed record AppealDecision(SanctionAppeal Appeal, Sanction Sanction);

/// <summary>
/// Appeals: open → upheld | overturned. Overturned lifts the sanction as wrongful (it stops counting on the offense
/// ladder) and sends the unmute/unban, so a decision passes every check a lift passes: the decider holds the lift
/// permission and covers where the sanction applies (<see cref="ObjectRules.EnsureMayChangeSanction"/>); otherwise a
/// GM scoped to one server could file an appeal on an all-server ban and overturn it himself. Four eyes: the decider
/// is neither the issuer nor the filer, and, when <see cref="SanctionOptions.AppealsDecidedBySupervisor"/> is set, a
/// supervisor (PERMISSION_DENIED: these are about who the caller is, not about the appeal's state).
/// </summary>
public sealed class AppealDesk(GmToolsDbContext db, AuditWriter audit, RequestContext request, SanctionDesk desk, IOptionsMonitor<SanctionOptions> options, TimeProvider time)
{
    public async Task<SanctionAppeal> FileAsync(long sanctionId, string statement, string ticketRef, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var sanction = await desk.LockForAppealAsync(sanctionId, ct);
        if (!sanction.IsActiveAt(now))
        {
            throw GrpcErrors.FailedPrecondition($"sanction {sanctionId} is not in force; there is nothing to appeal");
        }
        if (await db.Set<SanctionAppeal>().AnyAsync(a => a.SanctionId == sanctionId && a.State == AppealStates.Open, ct))
        {
            throw GrpcErrors.AlreadyExists($"sanction {sanctionId} already has an open appeal");
        }
        var appeal = new SanctionAppeal
        {
            SanctionId = sanctionId,
            PlayerId = sanction.PlayerId,
            Statement = statement,
            TicketRef = ticketRef,
            FiledBy = request.Caller.Id,
            FiledAt = now,
        };
        db.Add(appeal);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("appeal.file", "appeal", appeal.AppealId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { sanctionId }, PlayerId: sanction.PlayerId, TicketRef: ticketRef), ct);
        await tx.CommitAsync(ct);
        return appeal;
    }

    public async Task<AppealDecision> DecideAsync(long appealId, bool overturn, string note, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var appeal = await db.LockAsync<SanctionAppeal>(appealId, ct)
            ?? throw GrpcErrors.NotFound(ObjectRules.AppealNotFound(appealId));
        var sanction = await desk.LockForAppealAsync(appeal.SanctionId, ct, ObjectRules.AppealNotFound(appealId));
        var caller = request.Caller;
        caller.EnsureMayDecideAppeal(sanction, appeal.FiledBy, options.CurrentValue.AppealsDecidedBySupervisor);
        if (appeal.State != AppealStates.Open)
        {
            throw GrpcErrors.FailedPrecondition($"appeal {appealId} was already decided ({appeal.State})");
        }
        appeal.State = overturn ? AppealStates.Overturned : AppealStates.Upheld;
        appeal.DecidedBy = request.Caller.Id;
        appeal.DecidedAt = now;
        appeal.DecisionNote = note;
        await db.SaveChangesAsync(ct);
        var lifted = overturn && sanction.LiftedAt is null;
        if (lifted)
        {
            await desk.ApplyLiftAsync(sanction, $"appeal {appealId} overturned: {note}", wrongful: true, now, ct);
        }
        await audit.AppendAsync(new AuditEntry("appeal.decide", "appeal", appealId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { sanctionId = sanction.SanctionId, decision = appeal.State, lifted }, PlayerId: sanction.PlayerId, Reason: note, TicketRef: appeal.TicketRef), ct);
        await tx.CommitAsync(ct);
        if (lifted)
        {
            await desk.InvalidateAsync(sanction);
        }
        return new AppealDecision(appeal, sanction);
    }
}
