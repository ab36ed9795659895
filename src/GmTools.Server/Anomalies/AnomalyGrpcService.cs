using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Anomalies;

/// <summary>Thin: shape checks, then the desks. Scoped desks are resolved per RPC from the call's services.</summary>
public sealed class AnomalyGrpcService(RequestContext request, IOptionsMonitor<AnomalyOptions> options, TimeProvider time) : AnomalyService.AnomalyServiceBase
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
        var result = (await Get<AnomalyIntakeDesk>(context).ReportAsync(batch, context.CancellationToken)).Results[0];
        if (result.Outcome == ReportOutcome.Rejected)
        {
            // A player the game server does not own is answered like a player that does not exist.
            throw result.Field == "report.player_id" && result.Reason.StartsWith("player ", StringComparison.Ordinal)
                ? GrpcErrors.NotFound(result.Reason)
                : GrpcErrors.InvalidArgument(result.Field, result.Reason);
        }
        return new ReportAnomalyResponse { Result = AnomalyContracts.ToContract(result) };
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
}
