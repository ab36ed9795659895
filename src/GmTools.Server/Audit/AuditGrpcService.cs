using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Audit;

public sealed class AuditGrpcService(ReadDb reads, AuditVerifier verifier, RequestContext caller) : AuditService.AuditServiceBase
{
    private const int MaxPageSize = 500;

    [RequiresPermission(Permissions.AuditRead)]
    public override async Task<ListAuditRecordsResponse> ListAuditRecords(ListAuditRecordsRequest request, ServerCallContext context)
    {
        var v = new Violations()
            .MaxLength("actor", request.Actor, CommonLimits.ActorId)
            .MaxLength("player_id", request.PlayerId, 64)
            .MaxLength("action", request.Action, 128)
            .Timestamp("from", request.From)
            .Timestamp("to", request.To);
        if (!v.Any && request.From is not null && request.To is not null && request.From.ToDateTimeOffset() > request.To.ToDateTimeOffset())
        {
            v.Add("to", "must not be before from");
        }
        v.ThrowIfAny();
        var pageSize = PageToken.Size(request.PageSize, MaxPageSize);
        var cursor = PageToken.Decode(request.PageToken, "page_token");
        long? before = null;
        if (cursor is not null)
        {
            before = long.TryParse(cursor, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }

        // Newest first in write order, so records not linked yet are listed too.
        // A scoped reader sees only its servers' records (docs/security.md); the chain is still verified whole.
        // The listing is a heavy read: the read replica's while it is within its staleness bound (ReadReplica).
        var db = reads.Db;
        var q = db.Set<AuditRecord>().AsNoTracking().WhereVisible(caller.Caller, db.Set<Players.Player>());
        if (request.Actor.Length > 0) q = q.Where(r => r.Actor == request.Actor);
        if (request.PlayerId.Length > 0) q = q.Where(r => r.PlayerId == request.PlayerId);
        if (request.Action.EndsWith('.')) q = q.Where(r => r.Action.StartsWith(request.Action));
        else if (request.Action.Length > 0) q = q.Where(r => r.Action == request.Action);
        if (request.From is not null) { var from = request.From.ToDateTimeOffset(); q = q.Where(r => r.OccurredAt >= from); }
        if (request.To is not null) { var to = request.To.ToDateTimeOffset(); q = q.Where(r => r.OccurredAt < to); }
        if (before is not null) q = q.Where(r => r.Id < before);
        var rows = await q.OrderByDescending(r => r.Id).Take(pageSize + 1).ToListAsync(context.CancellationToken);

        var response = new ListAuditRecordsResponse();
        response.Records.AddRange(rows.Take(pageSize).Select(ToContract));
        if (rows.Count > pageSize)
        {
            response.NextPageToken = PageToken.Encode(rows[pageSize - 1].Id.ToString(CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.AuditRead)]
    public override async Task<VerifyAuditChainResponse> VerifyAuditChain(VerifyAuditChainRequest request, ServerCallContext context)
    {
        var v = new Violations();
        if (request.FromSequence < 0) v.Add("from_sequence", "must not be negative");
        if (request.ToSequence < 0) v.Add("to_sequence", "must not be negative");
        if (request.ToSequence > 0 && request.FromSequence > request.ToSequence) v.Add("to_sequence", "must not be before from_sequence");
        if (request.Full && (request.FromSequence != 0 || request.ToSequence != 0)) v.Add("full", "walks the whole chain; leave from_sequence and to_sequence unset");
        v.ThrowIfAny();
        if (request.Full && !caller.Caller.Holds(Permissions.AuditVerifyFull))
        {
            throw GrpcErrors.PermissionDenied($"full needs permission '{Permissions.AuditVerifyFull}'");
        }

        var report = await verifier.VerifyAsync(new AuditVerification(request.Full, request.FromSequence, request.ToSequence), context.CancellationToken);
        return new VerifyAuditChainResponse
        {
            Intact = report.Intact,
            RecordsChecked = report.RecordsChecked,
            FirstBrokenSequence = report.FirstBrokenSequence,
            Problem = report.Problem,
            StartedAfterSequence = report.StartedAfterSequence,
            CheckedThroughSequence = report.CheckedThroughSequence,
            UnlinkedRecords = report.UnlinkedRecords,
            FirstBrokenRecordId = report.FirstBrokenRecordId,
            OldestUnlinkedAt = report.OldestUnlinkedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        };
    }

    private static Contracts.V1.AuditRecord ToContract(AuditRecord r) => new()
    {
        Id = r.Id,
        Sequence = r.Sequence ?? 0,
        OccurredAt = Timestamp.FromDateTimeOffset(r.OccurredAt),
        Actor = r.Actor,
        ActorRole = r.ActorRole,
        Action = r.Action,
        TargetType = r.TargetType,
        TargetId = r.TargetId,
        PlayerId = r.PlayerId ?? "",
        GameServerId = r.GameServerId ?? "",
        Reason = r.Reason,
        TicketRef = r.TicketRef,
        RequestId = r.RequestId,
        Outcome = r.Outcome == AuditWriter.Denied ? AuditOutcome.Denied : AuditOutcome.Succeeded,
        ChangeJson = r.Change,
        Hash = r.Hash ?? "",
    };
}
