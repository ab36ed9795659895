using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.ChatWatch;

public sealed record ConfirmReviewOrder(long FlagId, string SanctionKind, string ReasonCode, TimeSpan? Duration, string Reason);

public sealed record DismissReviewOrder(long FlagId, string AllowPhrase, string Note);

public sealed record ConfirmedReview(ChatFlag Flag, long SanctionId);

public sealed record DismissedReview(ChatFlag Flag, long? RuleVersion);

/// <summary>
/// The GM review queue over <see cref="ChatFlag"/>: claim, confirm (a sanction by the GM through
/// <see cref="SanctionDesk"/>, with this line and the sender's other pending lines as evidence) or dismiss
/// (optionally teaching the allowlist). Each is one transaction with its audit record; flags of game servers
/// outside a scoped GM's scope do not exist for them.
/// </summary>
public sealed class ChatReviewDesk(
    GmToolsDbContext db, AuditWriter audit, RequestContext request, SanctionDesk sanctions, ChatRuleDesk rules, TimeProvider time)
{
    private Caller Caller => request.Caller;

    public static string NotFound(long flagId) => $"chat review {flagId} not found";

    public async Task<List<ChatFlag>> ListAsync(string? gameServerId, string? state, long after, int take, CancellationToken ct)
    {
        var rows = db.Set<ChatFlag>().AsNoTracking().WhereVisible(Caller, f => f.GameServerId).Where(f => f.FlagId > after);
        rows = gameServerId is null ? rows : rows.Where(f => f.GameServerId == gameServerId);
        rows = state is null
            ? rows.Where(f => f.State == ChatReviewStates.Pending || f.State == ChatReviewStates.Claimed)
            : rows.Where(f => f.State == state);
        return await rows.OrderBy(f => f.FlagId).Take(take).ToListAsync(ct);
    }

    public async Task<ChatFlag> ClaimAsync(long flagId, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var flag = await LockOpenAsync(flagId, ct);
        if (Caller.HoldsClaim(flag, ChatReviewStates.Claimed))
        {
            return flag;
        }
        Caller.TakeClaim(flag, ChatReviewStates.Claimed, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("chat.review.claim", flag, null), ct);
        await tx.CommitAsync(ct);
        return flag;
    }

    public async Task<ConfirmedReview> ConfirmAsync(ConfirmReviewOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var flag = await LockOpenAsync(order.FlagId, ct);
        var now = time.GetUtcNow();
        var others = await db.Set<ChatFlag>()
            .Where(f => f.SenderPlayerId == flag.SenderPlayerId && f.FlagId != flag.FlagId && f.State == ChatReviewStates.Pending)
            .WhereVisible(Caller, f => f.GameServerId)
            .OrderByDescending(f => f.FlagId)
            .Take(ChatLimits.EvidenceLines - 1)
            .ToListAsync(ct);
        var evidence = others.Prepend(flag).ToList();
        var issued = await sanctions.IssueAsync(new IssueOrder(
            flag.SenderPlayerId, order.SanctionKind, new SanctionScopeSpec(flag.GameServerId),
            order.Duration is { } d ? new EndSpec(null, d, false) : null,
            order.ReasonCode, order.Reason, [.. evidence.Select(f => f.LineId)], [], "", order.Duration is null ? "" : order.Reason), ct);
        foreach (var f in evidence)
        {
            f.State = ChatReviewStates.Confirmed;
            f.SanctionId = issued.Sanction.SanctionId;
            f.DecidedBy = Caller.Id;
            f.DecidedAt = now;
        }
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("chat.review.confirm", flag, new { sanctionId = issued.Sanction.SanctionId, evidence = evidence.Count }), ct);
        await tx.CommitAsync(ct);
        return new ConfirmedReview(flag, issued.Sanction.SanctionId);
    }

    public async Task<DismissedReview> DismissAsync(DismissReviewOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var flag = await LockOpenAsync(order.FlagId, ct);
        if (order.AllowPhrase.Length > 0)
        {
            Caller.EnsureMayChangeChatRules("teaching the allowlist");
        }
        flag.State = ChatReviewStates.Dismissed;
        flag.DecidedBy = Caller.Id;
        flag.DecidedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        long? version = null;
        if (order.AllowPhrase.Length > 0)
        {
            if (!flag.Text.Contains(order.AllowPhrase, StringComparison.OrdinalIgnoreCase))
            {
                throw GrpcErrors.InvalidArgument("allow_phrase", "must be a phrase of the flagged line");
            }
            version = (await rules.TeachAllowlistAsync(order.AllowPhrase, $"review {flag.FlagId}: {order.Note}", ct)).Version;
        }
        await audit.AppendAsync(Entry("chat.review.dismiss", flag, new { allowPhrase = order.AllowPhrase, ruleVersion = version }, order.Note), ct);
        await tx.CommitAsync(ct);
        return new DismissedReview(flag, version);
    }

    /// <summary>FOR UPDATE; NOT_FOUND outside the scope; FAILED_PRECONDITION when decided or claimed by someone else.</summary>
    private async Task<ChatFlag> LockOpenAsync(long flagId, CancellationToken ct)
    {
        var flag = Caller.VisibleOrNotFound(await db.LockAsync<ChatFlag>(flagId, ct), f => Caller.Sees(f.GameServerId), NotFound(flagId));
        if (flag.State is not (ChatReviewStates.Pending or ChatReviewStates.Claimed))
        {
            throw GrpcErrors.FailedPrecondition($"chat review {flagId} is already {flag.State}");
        }
        if (Caller.IsClaimedByOther(flag, ChatReviewStates.Claimed))
        {
            throw GrpcErrors.FailedPrecondition($"chat review {flagId} is claimed by {flag.ClaimedBy}");
        }
        return flag;
    }

    private static AuditEntry Entry(string action, ChatFlag flag, object? change, string reason = "") =>
        new(action, "chat_flag", flag.FlagId.ToString(CultureInfo.InvariantCulture), change, PlayerId: flag.SenderPlayerId, GameServerId: flag.GameServerId, Reason: reason);
}
