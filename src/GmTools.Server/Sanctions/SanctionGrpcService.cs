using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Thin: validates shapes, then hands over to the desks. Scoped desks are resolved per RPC from the request's
/// services so that CheckAccess, the hottest call, builds nothing it does not use.
/// </summary>
public sealed class SanctionGrpcService(
    RequestContext request,
    SanctionAccessCache accessCache,
    IOptionsMonitor<SanctionOptions> options,
    TimeProvider time) : SanctionService.SanctionServiceBase
{
    private const int MaxReason = SanctionLimits.Reason;

    [RequiresPermission(Permissions.SanctionsCheck)]
    public override async Task<CheckAccessResponse> CheckAccess(CheckAccessRequest r, ServerCallContext context)
    {
        request.Caller.EnsureIsGameServer(r.GameServerId);
        if (string.IsNullOrEmpty(r.PlayerId) || r.PlayerId.Length > PlayerLimits.PlayerId)
        {
            throw GrpcErrors.InvalidArgument("player_id", $"must be 1-{PlayerLimits.PlayerId} characters");
        }
        var decision = await accessCache.CheckAsync(r.PlayerId, r.GameServerId, context.CancellationToken);
        return SanctionContracts.ToContract(decision);
    }

    [RequiresPermission(Permissions.SanctionsIssue)]
    public override async Task<IssueSanctionResponse> IssueSanction(IssueSanctionRequest r, ServerCallContext context)
    {
        var kind = SanctionKinds.FromContract(r.Kind);
        var v = new Violations().PlayerId("player_id", r.PlayerId);
        if (kind is null)
        {
            v.Add("kind", "is required: mute, ban or kick");
        }
        v.Scope("scope", r.Scope);
        if (kind == SanctionKinds.Kick)
        {
            if (r.End is not null && r.End.EndCase != SanctionEnd.EndOneofCase.None)
            {
                v.Add("end", "a kick is one-off and takes no end");
            }
        }
        else
        {
            v.End("end", r.End, required: false);
        }
        v.ReasonCode("reason_code", r.ReasonCode, options.CurrentValue)
            .RequiredMax("reason", r.Reason, MaxReason)
            .Evidence("evidence", r.Evidence)
            .MaxLength("ticket_ref", r.TicketRef, SanctionLimits.TicketRef)
            .MaxLength("override_reason", r.OverrideReason, MaxReason)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();

        var order = new IssueOrder(r.PlayerId, kind!, SanctionValidation.ToSpec(r.Scope), kind == SanctionKinds.Kick ? null : SanctionValidation.ToSpec(r.End),
            r.ReasonCode, r.Reason, [.. r.Evidence?.ChatLineIds ?? []], [.. r.Evidence?.AnomalyReportIds ?? []], r.TicketRef, r.OverrideReason);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var issued = await Desk(context).IssueAsync(order, ct);
            return new IssueSanctionResponse
            {
                Sanction = SanctionContracts.ToContract(issued.Sanction, time.GetUtcNow()),
                NotifiedGameServerIds = { issued.NotifiedGameServerIds },
            };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.SanctionsLift)]
    public override async Task<LiftSanctionResponse> LiftSanction(LiftSanctionRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .SanctionId("sanction_id", r.SanctionId)
            .RequiredMax("reason", r.Reason, MaxReason)
            .MaxLength("ticket_ref", r.TicketRef, SanctionLimits.TicketRef)
            .IdempotencyKey(r.IdempotencyKey);
        if (r.CaseId < 0)
        {
            v.Add("case_id", "must be a case id (or 0 for none)");
        }
        v.ThrowIfAny();
        var order = new LiftOrder(r.SanctionId, r.Reason, r.Wrongful, r.TicketRef, r.CaseId == 0 ? null : r.CaseId);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new LiftSanctionResponse { Sanction = SanctionContracts.ToContract(await Desk(context).LiftAsync(order, ct), time.GetUtcNow()) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.SanctionsIssue)]
    public override async Task<ChangeSanctionEndResponse> ChangeSanctionEnd(ChangeSanctionEndRequest r, ServerCallContext context)
    {
        new Violations()
            .SanctionId("sanction_id", r.SanctionId)
            .End("end", r.End, required: true)
            .RequiredMax("reason", r.Reason, MaxReason)
            .MaxLength("ticket_ref", r.TicketRef, SanctionLimits.TicketRef)
            .ThrowIfAny();
        var sanction = await Desk(context).ChangeEndAsync(new ChangeEndOrder(r.SanctionId, SanctionValidation.ToSpec(r.End)!, r.Reason, r.TicketRef), context.CancellationToken);
        return new ChangeSanctionEndResponse { Sanction = SanctionContracts.ToContract(sanction, time.GetUtcNow()) };
    }

    [RequiresPermission(Permissions.SanctionsRead)]
    public override async Task<ListSanctionsResponse> ListSanctions(ListSanctionsRequest r, ServerCallContext context)
    {
        new Violations().PlayerId("player_id", r.PlayerId).ThrowIfAny();
        var page = await Scoped<SanctionQueries>(context).ListAsync(request.Caller, r.PlayerId, r.IncludeHistory, r.PageSize, r.PageToken, context.CancellationToken);
        var now = time.GetUtcNow();
        return new ListSanctionsResponse { Sanctions = { page.Sanctions.Select(s => SanctionContracts.ToContract(s, now)) }, NextPageToken = page.NextPageToken };
    }

    [RequiresPermission(Permissions.SanctionsIssue)]
    public override async Task<ProposeSanctionResponse> ProposeSanction(ProposeSanctionRequest r, ServerCallContext context)
    {
        var kind = SanctionKinds.FromContract(r.Kind);
        var v = new Violations().PlayerId("player_id", r.PlayerId);
        if (kind is null or SanctionKinds.Kick)
        {
            v.Add("kind", "must be mute or ban (a kick has no duration)");
        }
        v.ReasonCode("reason_code", r.ReasonCode, options.CurrentValue).ThrowIfAny();
        var player = await Desk(context).FindVisiblePlayerAsync(r.PlayerId, context.CancellationToken);
        var proposal = await Scoped<OffenseLadder>(context).ProposeAsync(player.PlayerId, kind!, r.ReasonCode, context.CancellationToken)
            ?? throw GrpcErrors.FailedPrecondition($"reason code '{r.ReasonCode}' has no offense ladder for a {kind}; choose the end yourself");
        return new ProposeSanctionResponse
        {
            Step = proposal.Step,
            Steps = proposal.Steps,
            PriorOffenses = proposal.PriorOffenses,
            Duration = proposal.Duration is { } d ? Duration.FromTimeSpan(d) : null,
            Permanent = proposal.Duration is null,
        };
    }

    [RequiresPermission(Permissions.AppealsFile)]
    public override async Task<FileAppealResponse> FileAppeal(FileAppealRequest r, ServerCallContext context)
    {
        new Violations()
            .SanctionId("sanction_id", r.SanctionId)
            .RequiredMax("statement", r.Statement, SanctionLimits.Statement)
            .MaxLength("ticket_ref", r.TicketRef, SanctionLimits.TicketRef)
            .ThrowIfAny();
        var appeal = await Scoped<AppealDesk>(context).FileAsync(r.SanctionId, r.Statement, r.TicketRef, context.CancellationToken);
        return new FileAppealResponse { Appeal = SanctionContracts.ToContract(appeal) };
    }

    [RequiresPermission(Permissions.AppealsDecide)]
    public override async Task<DecideAppealResponse> DecideAppeal(DecideAppealRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.AppealId <= 0)
        {
            v.Add("appeal_id", "is required");
        }
        if (r.Decision is not (AppealState.Upheld or AppealState.Overturned))
        {
            v.Add("decision", "must be UPHELD or OVERTURNED");
        }
        v.RequiredMax("note", r.Note, MaxReason).ThrowIfAny();
        var decided = await Scoped<AppealDesk>(context).DecideAsync(r.AppealId, r.Decision == AppealState.Overturned, r.Note, context.CancellationToken);
        return new DecideAppealResponse
        {
            Appeal = SanctionContracts.ToContract(decided.Appeal),
            Sanction = SanctionContracts.ToContract(decided.Sanction, time.GetUtcNow()),
        };
    }

    [RequiresPermission(Permissions.SanctionsIssue)]
    public override async Task<PreviewBulkSanctionResponse> PreviewBulkSanction(PreviewBulkSanctionRequest r, ServerCallContext context)
    {
        ValidateBulk(new Violations(), "", r).ThrowIfAny();
        var preview = await Scoped<BulkSanctions>(context).PreviewAsync(ToOrder(r), context.CancellationToken);
        return new PreviewBulkSanctionResponse
        {
            PreviewToken = preview.Row.Token,
            ExpiresAt = Timestamp.FromDateTimeOffset(preview.Row.ExpiresAt),
            Players = { preview.Players.Select(p => new BulkPlayer { PlayerId = p.Player.PlayerId, GameServerId = p.Player.GameServerId, AlreadySanctioned = p.AlreadySanctioned }) },
            AffectedGameServerIds = { preview.AffectedGameServerIds },
            UnknownPlayerIds = { preview.UnknownPlayerIds },
            NeedsApproval = preview.Row.NeedsApproval,
        };
    }

    [RequiresPermission(Permissions.SanctionsApproveBulk)]
    public override async Task<ApproveBulkSanctionResponse> ApproveBulkSanction(ApproveBulkSanctionRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("preview_token", r.PreviewToken, SanctionLimits.BulkToken).MaxLength("note", r.Note, MaxReason).ThrowIfAny();
        var row = await Scoped<BulkSanctions>(context).ApproveAsync(r.PreviewToken, r.Note, context.CancellationToken);
        return new ApproveBulkSanctionResponse { ApprovedBy = row.ApprovedBy, ApprovedAt = Timestamp.FromDateTimeOffset(row.ApprovedAt!.Value) };
    }

    [RequiresPermission(Permissions.SanctionsIssue)]
    public override async Task<ExecuteBulkSanctionResponse> ExecuteBulkSanction(ExecuteBulkSanctionRequest r, ServerCallContext context)
    {
        var v = new Violations().RequiredMax("preview_token", r.PreviewToken, SanctionLimits.BulkToken).IdempotencyKey(r.IdempotencyKey);
        if (r.Content is null)
        {
            v.Add("content", "is required: the content that was previewed");
        }
        else
        {
            ValidateBulk(v, "content.", r.Content);
        }
        v.ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var (results, approvedBy) = await Scoped<BulkSanctions>(context).ExecuteAsync(r.PreviewToken, ToOrder(r.Content!), ct);
            return new ExecuteBulkSanctionResponse
            {
                Results = { results.Select(x => new BulkResult { PlayerId = x.PlayerId, Outcome = x.Outcome, SanctionId = x.SanctionId }) },
                ApprovedBy = approvedBy ?? "",
            };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.SanctionsRead)]
    public override async Task<GetBulkSanctionResponse> GetBulkSanction(GetBulkSanctionRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("preview_token", r.PreviewToken, SanctionLimits.BulkToken).ThrowIfAny();
        var row = await Scoped<BulkSanctions>(context).GetAsync(r.PreviewToken, context.CancellationToken);
        return new GetBulkSanctionResponse { BulkSanction = SanctionContracts.ToContract(row) };
    }

    [RequiresPermission(Permissions.SanctionsRead)]
    public override async Task<ListBulkSanctionsResponse> ListBulkSanctions(ListBulkSanctionsRequest r, ServerCallContext context)
    {
        var size = PageToken.Size(r.PageSize, MaxBulkPage);
        (DateTimeOffset, string)? after = null;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor)
        {
            var bar = cursor.IndexOf('|', StringComparison.Ordinal);
            after = bar > 0 && long.TryParse(cursor[..bar], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), cursor[(bar + 1)..])
                : throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }
        var rows = await Scoped<BulkSanctions>(context).ListPendingAsync(r.AwaitingApprovalOnly, after, size + 1, context.CancellationToken);
        var response = new ListBulkSanctionsResponse();
        response.BulkSanctions.AddRange(rows.Take(size).Select(SanctionContracts.ToContract));
        if (rows.Count > size)
        {
            var last = rows[size - 1];
            response.NextPageToken = PageToken.Encode($"{last.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{last.Token}");
        }
        return response;
    }

    private const int MaxBulkPage = 100;

    private Violations ValidateBulk(Violations v, string prefix, PreviewBulkSanctionRequest r)
    {
        var o = options.CurrentValue;
        if (r.PlayerIds.Count == 0 || r.PlayerIds.Count > o.MaxBulkPlayers)
        {
            v.Add($"{prefix}player_ids", $"must hold 1-{o.MaxBulkPlayers} player ids");
        }
        else if (r.PlayerIds.Any(id => string.IsNullOrEmpty(id) || id.Length > PlayerLimits.PlayerId))
        {
            v.Add($"{prefix}player_ids", $"ids must be 1-{PlayerLimits.PlayerId} characters");
        }
        var kind = SanctionKinds.FromContract(r.Kind);
        if (kind is null)
        {
            v.Add($"{prefix}kind", "is required: mute, ban or kick");
        }
        v.Scope($"{prefix}scope", r.Scope);
        if (kind == SanctionKinds.Kick)
        {
            if (r.End is not null && r.End.EndCase != SanctionEnd.EndOneofCase.None)
            {
                v.Add($"{prefix}end", "a kick is one-off and takes no end");
            }
        }
        else
        {
            v.End($"{prefix}end", r.End, required: true);
        }
        return v.ReasonCode($"{prefix}reason_code", r.ReasonCode, o)
            .RequiredMax($"{prefix}reason", r.Reason, MaxReason)
            .MaxLength($"{prefix}ticket_ref", r.TicketRef, SanctionLimits.TicketRef);
    }

    private static BulkOrder ToOrder(PreviewBulkSanctionRequest r) => new(
        [.. r.PlayerIds], SanctionKinds.FromContract(r.Kind)!, SanctionValidation.ToSpec(r.Scope),
        SanctionValidation.ToSpec(r.End) ?? new EndSpec(null, null, true), r.ReasonCode, r.Reason, r.TicketRef);

    private static SanctionDesk Desk(ServerCallContext context) => Scoped<SanctionDesk>(context);

    private static IdempotentCalls Idempotent(ServerCallContext context) => Scoped<IdempotentCalls>(context);

    private static T Scoped<T>(ServerCallContext context) where T : notnull =>
        context.GetHttpContext().RequestServices.GetRequiredService<T>();
}
