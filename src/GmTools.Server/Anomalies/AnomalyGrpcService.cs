using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Anomalies;

/// <summary>Thin: shape checks, then the desks. Scoped desks are resolved per RPC from the call's services.</summary>
public sealed class AnomalyGrpcService(
    RequestContext request, IOptionsMonitor<AnomalyOptions> options, IOptionsMonitor<SanctionOptions> sanctionOptions, TimeProvider time) : AnomalyService.AnomalyServiceBase
{
    private static T Get<T>(ServerCallContext context) where T : notnull => context.GetHttpContext().RequestServices.GetRequiredService<T>();

    [RequiresPermission(Permissions.AnomaliesReport)]
    public override async Task<ReportAnomalyResponse> ReportAnomaly(ReportAnomalyRequest r, ServerCallContext context)
    {
        request.Caller.EnsureIsGameServer(r.GameServerId);
        if (r.Report is null)
        {
            throw GrpcErrors.InvalidArgument("report", "is required");
        }
        var batch = Read(r.GameServerId, new Google.Protobuf.Collections.RepeatedField<AnomalyReportIn> { r.Report }, _ => "report");
        var intake = await Get<AnomalyIntakeDesk>(context).ReportAsync(batch, context.CancellationToken);
        var result = intake.Results[0];
        if (result.Outcome == ReportOutcome.Rejected)
        {
            // A player the game server does not own is answered like a player that does not exist.
            throw result.Field == "report.player_id" && result.Reason.StartsWith("player ", StringComparison.Ordinal)
                ? GrpcErrors.NotFound(result.Reason)
                : GrpcErrors.InvalidArgument(result.Field, result.Reason);
        }
        return new ReportAnomalyResponse
        {
            Result = AnomalyContracts.ToContract(result),
            CasesOpened = intake.CasesOpened,
            SanctionsIssued = intake.SanctionsIssued,
            Degraded = intake.Degraded,
        };
    }

    [RequiresPermission(Permissions.AnomaliesReport)]
    public override async Task<ReportAnomaliesResponse> ReportAnomalies(ReportAnomaliesRequest r, ServerCallContext context)
    {
        request.Caller.EnsureIsGameServer(r.GameServerId);
        if (r.Reports.Count is 0 or > AnomalyLimits.BatchReports)
        {
            throw GrpcErrors.InvalidArgument("reports", $"must hold 1..{AnomalyLimits.BatchReports} reports");
        }
        var batch = Read(r.GameServerId, r.Reports, i => $"reports[{i}]");
        var result = await Get<AnomalyIntakeDesk>(context).ReportAsync(batch, context.CancellationToken);
        return new ReportAnomaliesResponse
        {
            Results = { result.Results.Select(AnomalyContracts.ToContract) },
            Accepted = result.Count(ReportOutcome.Accepted),
            Duplicates = result.Count(ReportOutcome.Duplicate),
            Rejected = result.Count(ReportOutcome.Rejected),
            CasesOpened = result.CasesOpened,
            SanctionsIssued = result.SanctionsIssued,
            Degraded = result.Degraded,
        };
    }

    private IntakeBatch Read(string gameServerId, Google.Protobuf.Collections.RepeatedField<AnomalyReportIn> reports, Func<int, string> at)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var good = new List<IncomingReport>(reports.Count);
        var bad = new List<ReportResult>();
        for (var i = 0; i < reports.Count; i++)
        {
            if (AnomalyValidation.TryReadReport(reports[i], i, at(i), now, o, out var report, out var rejected))
            {
                good.Add(report!);
            }
            else
            {
                bad.Add(rejected!);
            }
        }
        return new IntakeBatch(gameServerId, good, bad);
    }

    [RequiresPermission(Permissions.AnomaliesKindsManage)]
    public override async Task<PutAnomalyKindResponse> PutAnomalyKind(PutAnomalyKindRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var spec = v.ToKindSpec("kind", r.Kind);
        if (r.ExpectedVersion < 0)
        {
            v.Add("expected_version", "must be 0 (a new kind) or the version in force");
        }
        v.RequiredMax("note", r.Note, AnomalyLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new PutKindOrder(spec, r.ExpectedVersion, r.Note);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new PutAnomalyKindResponse { Kind = AnomalyContracts.ToContract(await Get<AnomalyKindDesk>(context).PutAsync(order, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnomaliesKindsRead)]
    public override async Task<GetAnomalyKindResponse> GetAnomalyKind(GetAnomalyKindRequest r, ServerCallContext context)
    {
        if (!AnomalyValidation.IsKindName(r.Name))
        {
            throw GrpcErrors.InvalidArgument("name", $"must be 1-{AnomalyLimits.KindName} of a-z, 0-9, _");
        }
        if (r.Version < 0)
        {
            throw GrpcErrors.InvalidArgument("version", "must be 0 (in force) or a version");
        }
        var kind = await Get<AnomalyKindQueries>(context).GetAsync(r.Name, r.Version, context.CancellationToken);
        return new GetAnomalyKindResponse { Kind = AnomalyContracts.ToContract(kind) };
    }

    [RequiresPermission(Permissions.AnomaliesKindsRead)]
    public override async Task<ListAnomalyKindsResponse> ListAnomalyKinds(ListAnomalyKindsRequest r, ServerCallContext context)
    {
        var kinds = await Get<AnomalyKindQueries>(context).ListAsync(context.CancellationToken);
        return new ListAnomalyKindsResponse { Kinds = { kinds.Select(AnomalyContracts.ToContract) } };
    }

    private const int MaxCasePage = 200;
    private const int MaxStatisticsDays = 92;

    [RequiresPermission(Permissions.AnomaliesRead)]
    public override async Task<ListAnomalyCasesResponse> ListAnomalyCases(ListAnomalyCasesRequest r, ServerCallContext context)
    {
        var v = new Violations().MaxLength("game_server_id", r.GameServerId, GameServers.GameServerIds.MaxLength).MaxLength("kind", r.Kind, AnomalyLimits.KindName);
        var state = AnomalyContracts.FromContractState(r.State);
        if (state is null && r.State != AnomalyCaseState.Unspecified)
        {
            v.Add("state", "is not a known case state");
        }
        v.ThrowIfAny();
        var size = PageToken.Size(r.PageSize == 0 ? 50 : r.PageSize, MaxCasePage);
        var skip = 0;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor && (!int.TryParse(cursor, System.Globalization.CultureInfo.InvariantCulture, out skip) || skip < 0))
        {
            throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }
        var query = new CaseListQuery(state is null ? AnomalyCaseStates.Waiting : [state], r.GameServerId.Length == 0 ? null : r.GameServerId,
            r.Kind.Length == 0 ? null : r.Kind, skip, size);
        var cases = await Get<AnomalyCaseQueries>(context).ListAsync(query, context.CancellationToken);
        var response = new ListAnomalyCasesResponse { Cases = { cases.Select(AnomalyContracts.ToContract) } };
        if (cases.Count == size)
        {
            response.NextPageToken = PageToken.Encode((skip + size).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.AnomaliesRead)]
    public override async Task<GetAnomalyCaseResponse> GetAnomalyCase(GetAnomalyCaseRequest r, ServerCallContext context)
    {
        CaseId(r.CaseId);
        return AnomalyContracts.ToContract(await Get<AnomalyCaseQueries>(context).GetAsync(r.CaseId, context.CancellationToken));
    }

    [RequiresPermission(Permissions.AnomaliesReview)]
    public override async Task<ClaimAnomalyCaseResponse> ClaimAnomalyCase(ClaimAnomalyCaseRequest r, ServerCallContext context)
    {
        new Violations().IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        CaseId(r.CaseId);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ClaimAnomalyCaseResponse { Case = AnomalyContracts.ToContract(await Get<AnomalyCaseDesk>(context).ClaimAsync(new ClaimCaseOrder(r.CaseId), ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnomaliesReview)]
    public override async Task<AddAnomalyCaseNoteResponse> AddAnomalyCaseNote(AddAnomalyCaseNoteRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("text", r.Text, AnomalyLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        CaseId(r.CaseId);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new AddAnomalyCaseNoteResponse { Note = AnomalyContracts.ToContract(await Get<AnomalyCaseDesk>(context).AddNoteAsync(new CaseNoteOrder(r.CaseId, r.Text), ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnomaliesReview)]
    public override async Task<ConfirmAnomalyCaseResponse> ConfirmAnomalyCase(ConfirmAnomalyCaseRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var kind = r.Sanction is null ? null : SanctionKinds.FromContract(r.Sanction.Kind);
        if (r.Sanction is null)
        {
            v.Add("sanction", "is required: choose the sanction (kind, end or the ladder's proposal)");
        }
        else
        {
            if (kind is null or SanctionKinds.Kick)
            {
                v.Add("sanction.kind", "is required: mute or ban");
            }
            v.End("sanction.end", r.Sanction.End, required: false)
                .MaxLength("sanction.reason_code", r.Sanction.ReasonCode, SanctionLimits.ReasonCode)
                .MaxLength("sanction.override_reason", r.Sanction.OverrideReason, SanctionLimits.Reason);
            if (r.Sanction.ReasonCode.Length > 0)
            {
                v.ReasonCode("sanction.reason_code", r.Sanction.ReasonCode, sanctionOptions.CurrentValue);
            }
        }
        v.RequiredMax("note", r.Note, AnomalyLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        CaseId(r.CaseId);
        var order = new ConfirmCaseOrder(r.CaseId,
            new SanctionChoice(kind!, SanctionValidation.ToSpec(r.Sanction!.End), r.Sanction.ReasonCode, r.Sanction.OverrideReason), r.Note);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var (c, issued) = await Get<AnomalyCaseDesk>(context).ConfirmAsync(order, ct);
            return new ConfirmAnomalyCaseResponse { Case = AnomalyContracts.ToContract(c), Sanction = SanctionContracts.ToContract(issued.Sanction, time.GetUtcNow()) };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnomaliesReview)]
    public override async Task<DismissAnomalyCaseResponse> DismissAnomalyCase(DismissAnomalyCaseRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, AnomalyLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        CaseId(r.CaseId);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new DismissAnomalyCaseResponse { Case = AnomalyContracts.ToContract(await Get<AnomalyCaseDesk>(context).DismissAsync(new DismissCaseOrder(r.CaseId, r.Reason), ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnomaliesRead)]
    public override async Task<GetAnomalyStatisticsResponse> GetAnomalyStatistics(GetAnomalyStatisticsRequest r, ServerCallContext context)
    {
        var v = new Violations().Timestamp("from", r.From).Timestamp("to", r.To);
        if (r.Kind.Length > 0 && !AnomalyValidation.IsKindName(r.Kind))
        {
            v.Add("kind", $"must be a kind name (1-{AnomalyLimits.KindName} of a-z, 0-9, _)");
        }
        v.ThrowIfAny();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var to = r.To is null ? today : DateOnly.FromDateTime(r.To.ToDateTimeOffset().UtcDateTime);
        var from = r.From is null ? DateOnly.FromDayNumber(Math.Max(0, to.DayNumber - 6)) : DateOnly.FromDateTime(r.From.ToDateTimeOffset().UtcDateTime);
        if (to < from)
        {
            throw GrpcErrors.InvalidArgument("to", "must not be before from");
        }
        if (to.DayNumber - from.DayNumber >= MaxStatisticsDays || to == DateOnly.MaxValue)
        {
            throw GrpcErrors.InvalidArgument("to", $"at most {MaxStatisticsDays} days from 'from'");
        }
        var days = await Get<AnomalyCaseQueries>(context).StatisticsAsync(from, to.AddDays(1), r.Kind.Length == 0 ? null : r.Kind, context.CancellationToken);
        return new GetAnomalyStatisticsResponse { Days = { days.Select(AnomalyContracts.ToContract) } };
    }

    private static void CaseId(long id)
    {
        if (id <= 0)
        {
            throw GrpcErrors.InvalidArgument("case_id", "is required");
        }
    }
}
