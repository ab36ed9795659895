using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Anomalies;

public sealed record ClaimCaseOrder(long CaseId);

public sealed record CaseNoteOrder(long CaseId, string Text);

/// <summary>The chosen sanction: <see cref="End"/> null = the ladder's proposal.</summary>
public sealed record SanctionChoice(string Kind, EndSpec? End, string ReasonCode, string OverrideReason);

public sealed record ConfirmCaseOrder(long CaseId, SanctionChoice Sanction, string Note);

public sealed record DismissCaseOrder(long CaseId, string Reason);

/// <summary>
/// The GM's side of a case: claim, note, confirm (a sanction through <see cref="SanctionDesk"/>, with the case's
/// reports as evidence, in the same transaction as the decision), dismiss (and the kind weighs less for that player
/// for a while). Each decision is audited and locks the case row, so two GMs cannot both decide one case.
/// </summary>
public sealed class AnomalyCaseDesk(
    GmToolsDbContext db, AuditWriter audit, RequestContext request, SanctionDesk sanctions, IOptionsMonitor<AnomalyOptions> options, TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<AnomalyCase> ClaimAsync(ClaimCaseOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockWaitingAsync(order.CaseId, ct);
        if (Caller.IsClaimedByOther(c, AnomalyCaseStates.Claimed))
        {
            throw GrpcErrors.FailedPrecondition($"anomaly case {c.CaseId} is claimed by {c.ClaimedBy}");
        }
        Caller.TakeClaim(c, AnomalyCaseStates.Claimed, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("anomaly.case.claim", c, null), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    public async Task<AnomalyCaseNoteEntity> AddNoteAsync(CaseNoteOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        var note = new AnomalyCaseNoteEntity { CaseId = c.CaseId, Author = Caller.Id, AddedAt = time.GetUtcNow(), Text = order.Text };
        db.Add(note);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("anomaly.case.note", c, new { note.NoteId }, order.Text), ct);
        await tx.CommitAsync(ct);
        return note;
    }

    public async Task<(AnomalyCase Case, IssuedSanction Sanction)> ConfirmAsync(ConfirmCaseOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockWaitingAsync(order.CaseId, ct);
        EnsureNotClaimedByOther(c);
        var evidence = await db.Set<AnomalyReport>().AsNoTracking().Where(r => r.CaseId == c.CaseId)
            .OrderByDescending(r => r.AnomalyId).Take(SanctionLimits.EvidenceIds)
            .Select(r => r.AnomalyId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToListAsync(ct);
        var choice = order.Sanction;
        var issued = await sanctions.IssueAsync(new IssueOrder(
            c.PlayerId, choice.Kind, new SanctionScopeSpec(c.GameServerId), choice.End,
            choice.ReasonCode.Length == 0 ? options.CurrentValue.BanReasonCode : choice.ReasonCode,
            $"anomaly case {c.CaseId} ({c.Kind}): {order.Note}", [], evidence, "", choice.OverrideReason), ct);
        c.State = AnomalyCaseStates.Confirmed;
        c.DecidedBy = Caller.Id;
        c.DecidedAt = now;
        c.DecisionNote = order.Note;
        c.SanctionId = issued.Sanction.SanctionId;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("anomaly.case.confirm", c, new { issued.Sanction.SanctionId, issued.Sanction.Kind, issued.Sanction.EndsAt, anomalyIds = evidence }, order.Note), ct);
        await tx.CommitAsync(ct);
        return (c, issued);
    }

    public async Task<AnomalyCase> DismissAsync(DismissCaseOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockWaitingAsync(order.CaseId, ct);
        EnsureNotClaimedByOther(c);
        c.State = AnomalyCaseStates.Dismissed;
        c.DecidedBy = Caller.Id;
        c.DecidedAt = now;
        c.DecisionNote = order.Reason;
        if (o.DismissalWeight > 1.0 && o.DismissalWeightFor > TimeSpan.Zero)
        {
            db.Add(new AnomalyWeight { PlayerId = c.PlayerId, Kind = c.Kind, Factor = o.DismissalWeight, Until = now + o.DismissalWeightFor, CaseId = c.CaseId });
        }
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("anomaly.case.dismiss", c, new { weight = o.DismissalWeight, until = now + o.DismissalWeightFor }, order.Reason), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    private void EnsureNotClaimedByOther(AnomalyCase c)
    {
        if (Caller.IsClaimedByOther(c, AnomalyCaseStates.Claimed))
        {
            throw GrpcErrors.FailedPrecondition($"anomaly case {c.CaseId} is claimed by {c.ClaimedBy}; only they decide it");
        }
    }

    private async Task<AnomalyCase> LockVisibleAsync(long caseId, CancellationToken ct) =>
        Caller.VisibleAnomalyCase(await db.LockAsync<AnomalyCase>(caseId, ct), caseId);

    private async Task<AnomalyCase> LockWaitingAsync(long caseId, CancellationToken ct)
    {
        var c = await LockVisibleAsync(caseId, ct);
        if (!AnomalyCaseStates.Waiting.Contains(c.State))
        {
            throw GrpcErrors.FailedPrecondition($"anomaly case {caseId} is {c.State}");
        }
        return c;
    }

    private static AuditEntry Entry(string action, AnomalyCase c, object? change, string reason = "") =>
        new(action, "anomaly_case", c.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            change ?? new { c.State }, PlayerId: c.PlayerId, GameServerId: c.GameServerId, Reason: reason);
}
