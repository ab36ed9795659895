using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Cases;

/// <summary>
/// 充值调帐: request, approve, reject a recharge adjustment. Each change, its CreditRecharge command and its audit
/// record commit in one transaction. Once per payment reference: requests for one reference take turns on an
/// advisory lock and the second finds the first (the unique index is the backstop); approvals take turns on the
/// adjustment's row lock, so two supervisors approving at the same moment send one command.
/// </summary>
public sealed class RechargeDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    CommandOutbox outbox,
    CaseDesk cases,
    RequestContext request,
    IOptionsMonitor<CaseOptions> options,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<AdjustedCase> RequestAsync(RechargeAdjustmentOrder order, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = Caller.VisibleCase(await db.LockAsync<PlayerCase>(order.CaseId, ct), order.CaseId);
        if (c.Kind != o.RechargeKind)
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is a {c.Kind} case; recharge adjustments are made from {o.RechargeKind} cases");
        }
        if (!CaseStates.Open.Contains(c.State))
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is {c.State}; reopen it before adjusting a recharge");
        }
        if (order.Currency != o.RechargeCurrency)
        {
            throw GrpcErrors.FailedPrecondition($"recharge totals are kept in {o.RechargeCurrency}; an adjustment in {order.Currency} cannot be credited");
        }
        await db.AdvisoryLockAsync("recharge-reference:" + order.PaymentReference, ct);
        if (await FirstForAsync(order.PaymentReference, ct) is { } first)
        {
            throw Duplicate(order.PaymentReference, first);
        }
        var adjustment = new RechargeAdjustment
        {
            CaseId = c.CaseId,
            PlayerId = c.PlayerId,
            GameServerId = c.GameServerId,
            PaymentReference = order.PaymentReference,
            Amount = order.Amount,
            Currency = order.Currency,
            Reason = order.Reason,
            RequestedBy = Caller.Id,
            RequestedAt = now,
            ApprovalRequired = order.Amount > o.RechargeApprovalAbove,
        };
        db.Add(adjustment);
        c.UpdatedAt = now;
        if (c.FirstResponseAt is null && Caller.Kind == CallerKind.Staff)
        {
            c.FirstResponseAt = now;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: RechargeAdjustmentNames.ReferenceIndex })
        {
            // Only if someone wrote without the advisory lock: still refused, by the index.
            throw GrpcErrors.AlreadyExists($"payment reference {order.PaymentReference} was already adjusted");
        }
        if (!adjustment.ApprovalRequired)
        {
            await SendAsync(adjustment, now, ct);
        }
        var change = new { adjustment.AdjustmentId, adjustment.PaymentReference, adjustment.Amount, adjustment.Currency, adjustment.State, adjustment.ApprovalRequired };
        await audit.AppendAsync(Entry("case.recharge_adjustment.request", adjustment, order.Reason, change), ct);
        if (adjustment.ApprovalRequired)
        {
            // Above the threshold: not refused, and not left waiting unseen; the case goes to the level that approves.
            await cases.RaiseToDeciderAsync(c.CaseId, Permissions.CasesApproveRecharge,
                $"recharge adjustment {adjustment.AdjustmentId} of {Money(adjustment)} is above {Money(o.RechargeApprovalAbove, o.RechargeCurrency)} and needs approval", ct);
        }
        await tx.CommitAsync(ct);
        return new AdjustedCase(adjustment, c);
    }

    public async Task<RechargeAdjustment> ApproveAsync(long adjustmentId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var adjustment = await LockDecidableAsync(adjustmentId, ct);
        adjustment.DecidedBy = Caller.Id;
        adjustment.DecidedAt = now;
        adjustment.DecisionReason = reason;
        await SendAsync(adjustment, now, ct);
        await audit.AppendAsync(Entry("case.recharge_adjustment.approve", adjustment, reason, new { adjustment.AdjustmentId, adjustment.Amount, adjustment.RequestedBy }), ct);
        await tx.CommitAsync(ct);
        return adjustment;
    }

    public async Task<RechargeAdjustment> RejectAsync(long adjustmentId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var adjustment = await LockDecidableAsync(adjustmentId, ct);
        adjustment.State = RechargeAdjustmentStates.Rejected;
        adjustment.DecidedBy = Caller.Id;
        adjustment.DecidedAt = now;
        adjustment.DecisionReason = reason;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.recharge_adjustment.reject", adjustment, reason, new { adjustment.AdjustmentId, adjustment.Amount, adjustment.RequestedBy }), ct);
        await tx.CommitAsync(ct);
        return adjustment;
    }

    /// <summary>The CreditRecharge to the player's game server of now (a player may have moved since the case was opened).</summary>
    private async Task SendAsync(RechargeAdjustment adjustment, DateTimeOffset now, CancellationToken ct)
    {
        var home = await db.Set<Player>().AsNoTracking().Where(p => p.PlayerId == adjustment.PlayerId).Select(p => p.GameServerId).SingleAsync(ct);
        adjustment.State = RechargeAdjustmentStates.Sent;
        adjustment.SentAt = now;
        adjustment.SentTo = home;
        outbox.Enqueue(db, home, new GameCommand
        {
            CreditRecharge = new CreditRecharge
            {
                PlayerId = adjustment.PlayerId,
                AdjustmentId = adjustment.AdjustmentId.ToString(CultureInfo.InvariantCulture),
                PaymentReference = adjustment.PaymentReference,
                Amount = adjustment.Amount,
                Currency = adjustment.Currency,
            },
        }, RechargeAdjustmentNames.Correlation(adjustment.AdjustmentId));
        await db.SaveChangesAsync(ct);
    }

    private async Task<RechargeAdjustment> LockDecidableAsync(long adjustmentId, CancellationToken ct)
    {
        var adjustment = Caller.VisibleOrNotFound(await db.LockAsync<RechargeAdjustment>(adjustmentId, ct), a => Caller.Sees(a.GameServerId),
            $"recharge adjustment {adjustmentId} not found");
        // Four eyes: whoever asked for the money may not also say yes (or no) to it.
        Caller.EnsureSomeoneElse("a recharge adjustment must be decided by someone other than its requester", adjustment.RequestedBy);
        if (adjustment.State != RechargeAdjustmentStates.PendingApproval)
        {
            throw GrpcErrors.FailedPrecondition($"recharge adjustment {adjustment.AdjustmentId} is {adjustment.State}" +
                (adjustment.DecidedBy is { } by ? $", decided by {by}" : "") + ", not pending approval");
        }
        return adjustment;
    }

    private Task<RechargeAdjustment?> FirstForAsync(string reference, CancellationToken ct) =>
        db.Set<RechargeAdjustment>().AsNoTracking()
            .Where(a => a.PaymentReference == reference && a.State != RechargeAdjustmentStates.Rejected)
            .OrderBy(a => a.AdjustmentId).FirstOrDefaultAsync(ct);

    private static Grpc.Core.RpcException Duplicate(string reference, RechargeAdjustment first) =>
        GrpcErrors.AlreadyExists($"payment reference {reference} was already adjusted: recharge adjustment {first.AdjustmentId} " +
            $"({first.State}, case {first.CaseId}, by {first.RequestedBy})");

    private static string Money(RechargeAdjustment a) => Money(a.Amount, a.Currency);

    private static string Money(long amount, string currency) =>
        (amount / 100m).ToString("0.00", CultureInfo.InvariantCulture) + " " + currency;

    private static AuditEntry Entry(string action, RechargeAdjustment a, string reason, object change) =>
        new(action, "case", a.CaseId.ToString(CultureInfo.InvariantCulture), change, PlayerId: a.PlayerId, GameServerId: a.GameServerId,
            Reason: reason, TicketRef: "case:" + a.CaseId.ToString(CultureInfo.InvariantCulture));
}
