using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

/// <summary>Thin: shape checks, proto → orders, one desk or query call, entity → contract.</summary>
public sealed class CaseGrpcService(
    RequestContext request,
    IOptionsMonitor<CaseOptions> options,
    TimeProvider time) : CaseService.CaseServiceBase
{
    private const int MaxPage = 200;

    [RequiresPermission(Permissions.CasesRead)]
    public override Task<ListCaseKindsResponse> ListCaseKinds(ListCaseKindsRequest r, ServerCallContext context)
    {
        var o = options.CurrentValue;
        return Task.FromResult(new ListCaseKindsResponse
        {
            Kinds = { o.EffectiveKinds.Select(k => CaseContracts.ToContract(k, o)) },
            EscalationLevels = { o.EffectiveEscalationLevels.Select(CaseContracts.ToContract) },
        });
    }

    [RequiresPermission(Permissions.CasesOpen)]
    public override async Task<OpenCaseResponse> OpenCase(OpenCaseRequest r, ServerCallContext context)
    {
        var o = options.CurrentValue;
        var v = new Violations().RequiredMax("player_id", r.PlayerId, PlayerLimits.PlayerId);
        var kind = string.IsNullOrEmpty(r.Kind) ? null : o.Kind(r.Kind);
        if (kind is null)
        {
            v.Add("kind", $"must be one of: {string.Join(", ", o.EffectiveKinds.Select(k => k.Name))}");
        }
        if (r.Channel != CaseChannel.Unspecified && CaseContracts.Channel(r.Channel) is null)
        {
            v.Add("channel", "is not a known channel");
        }
        var priority = r.Priority == CasePriority.Unspecified ? CasePriorities.Normal : CaseContracts.Priority(r.Priority);
        if (priority is null)
        {
            v.Add("priority", "is not a known priority");
        }
        v.RequiredMax("summary", r.Summary, CaseLimits.Summary)
            .MaxLength("description", r.Description, CaseLimits.Description)
            .Record("record", r.Record, kind is null ? null : o.RequiredFields(kind), o, time.GetUtcNow())
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new OpenCaseOrder(r.PlayerId, kind!.Name, CaseContracts.Channel(r.Channel), priority!, r.Summary, r.Description, CaseValidation.ToSpec(r.Record));
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new OpenCaseResponse { Case = Contract(await Desk(context).OpenAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<GetCaseResponse> GetCase(GetCaseRequest r, ServerCallContext context)
    {
        new Violations().CaseId(r.CaseId).ThrowIfAny();
        var found = await Scoped<CaseQueries>(context).GetAsync(request.Caller, r.CaseId, context.CancellationToken);
        return new GetCaseResponse
        {
            Case = CaseContracts.ToContract(found.Case, found.WithContact),
            Notes = { found.Notes.Select(CaseContracts.ToContract) },
            Links = { found.Links.Select(CaseContracts.ToContract) },
        };
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<ListCasesResponse> ListCases(ListCasesRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .MaxLength("player_id", r.PlayerId, PlayerLimits.PlayerId)
            .MaxLength("kind", r.Kind, CaseLimits.Kind)
            .MaxLength("assignee", r.Assignee, Infrastructure.CommonLimits.ActorId)
            .CheckGameServerId("game_server_id", r.GameServerId, required: false)
            .MaxLength("escalation_level", r.EscalationLevel, CaseLimits.Level);
        var state = CaseContracts.State(r.State);
        if (r.State != CaseState.Unspecified && state is null)
        {
            v.Add("state", "is not a known state");
        }
        var size = PageToken.Size(r.PageSize, MaxPage);
        long? before = null;
        if (!string.IsNullOrEmpty(r.PageToken))
        {
            if (long.TryParse(PageToken.Decode(r.PageToken, "page_token"), NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                before = cursor;
            }
            else
            {
                v.Add("page_token", "is not a token this service gave out");
            }
        }
        v.ThrowIfAny();
        var filter = new CaseFilter(Empty(r.PlayerId), state, Empty(r.Kind), Empty(r.Assignee), Empty(r.GameServerId), r.UnassignedOnly, size, before, Empty(r.EscalationLevel), r.BreachedOnly);
        var rows = await Scoped<CaseQueries>(context).ListAsync(request.Caller, filter, context.CancellationToken);
        var response = new ListCasesResponse { Cases = { rows.Take(size).Select(c => CaseContracts.ToContract(c, withContact: false)) } };
        if (rows.Count > size)
        {
            response.NextPageToken = PageToken.Encode(rows[size - 1].CaseId.ToString(CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<AddCaseNoteResponse> AddCaseNote(AddCaseNoteRequest r, ServerCallContext context)
    {
        new Violations().CaseId(r.CaseId)
            .RequiredMax("text", r.Text, CaseLimits.NoteText)
            .Attachments("attachment_refs", r.AttachmentRefs)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new CaseNoteOrder(r.CaseId, r.Text, [.. r.AttachmentRefs]);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var noted = await Desk(context).AddNoteAsync(order, ct);
            return new AddCaseNoteResponse { Note = CaseContracts.ToContract(noted.Note), Case = Contract(noted.Case) };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<ChangeCaseStateResponse> ChangeCaseState(ChangeCaseStateRequest r, ServerCallContext context)
    {
        var v = new Violations().CaseId(r.CaseId);
        var state = CaseContracts.State(r.State);
        if (state is null)
        {
            v.Add("state", "is required");
        }
        v.MaxLength("note", r.Note, CaseLimits.NoteText).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new CaseStateOrder(r.CaseId, state!, r.Note);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ChangeCaseStateResponse { Case = Contract(await Desk(context).ChangeStateAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<AssignCaseResponse> AssignCase(AssignCaseRequest r, ServerCallContext context)
    {
        var v = new Violations().CaseId(r.CaseId)
            .MaxLength("assignee", r.Assignee, Infrastructure.CommonLimits.ActorId)
            .MaxLength("reason", r.Reason, CaseLimits.Reason)
            .IdempotencyKey(r.IdempotencyKey);
        if (r.Fair && r.Assignee.Length > 0)
        {
            v.Add("assignee", "is left empty when the roster picks (fair)");
        }
        v.ThrowIfAny();
        var order = new AssignCaseOrder(r.CaseId, Empty(r.Assignee), r.Reason, r.Fair);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new AssignCaseResponse { Case = Contract(await Desk(context).AssignAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<EscalateCaseResponse> EscalateCase(EscalateCaseRequest r, ServerCallContext context)
    {
        new Violations().CaseId(r.CaseId)
            .RequiredMax("reason", r.Reason, CaseLimits.Reason)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new EscalateOrder(r.CaseId, r.Reason);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new EscalateCaseResponse { Case = Contract(await Desk(context).EscalateAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<LinkCaseResponse> LinkCase(LinkCaseRequest r, ServerCallContext context)
    {
        var v = new Violations().CaseId(r.CaseId);
        var kind = CaseContracts.LinkKind(r.Kind);
        if (kind is null)
        {
            v.Add("kind", "is required: sanction, grant, campaign, visit or chat line");
        }
        else if (kind == CaseLinkKinds.RechargeAdjustment)
        {
            v.Add("kind", "a recharge adjustment is made from its case (RequestRechargeAdjustment), not linked");
        }
        v.LinkObject(kind, r.ObjectId, r.GameServerId)
            .MaxLength("note", r.Note, CaseLimits.Reason)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new LinkCaseOrder(r.CaseId, kind!, r.ObjectId, r.GameServerId, r.Note);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var linked = await Scoped<CaseLinkDesk>(context).LinkAsync(order, ct);
            return new LinkCaseResponse
            {
                Link = CaseContracts.ToContract(linked.Link, request.Caller.Holds(Permissions.PlayersReadContact)),
                Case = Contract(linked.Case),
            };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesAdjustRecharge)]
    public override async Task<RequestRechargeAdjustmentResponse> RequestRechargeAdjustment(RequestRechargeAdjustmentRequest r, ServerCallContext context)
    {
        var o = options.CurrentValue;
        var v = new Violations().CaseId(r.CaseId).RequiredMax("payment_reference", r.PaymentReference, CaseLimits.RecordField);
        if (r.Amount <= 0)
        {
            v.Add("amount", "must be positive (in the currency's smallest unit)");
        }
        else if (r.Amount > o.MaxAmount)
        {
            v.Add("amount", $"must be at most {o.MaxAmount} (in the currency's smallest unit)");
        }
        if (r.Currency.Length != CaseLimits.Currency || !r.Currency.All(char.IsAsciiLetterUpper))
        {
            v.Add("currency", "must be an ISO 4217 code such as CNY");
        }
        v.RequiredMax("reason", r.Reason, CaseLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new RechargeAdjustmentOrder(r.CaseId, r.PaymentReference, r.Amount, r.Currency, r.Reason);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var adjusted = await Scoped<RechargeDesk>(context).RequestAsync(order, ct);
            return new RequestRechargeAdjustmentResponse { Adjustment = CaseContracts.ToContract(adjusted.Adjustment), Case = Contract(adjusted.Case) };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesApproveRecharge)]
    public override async Task<ApproveRechargeAdjustmentResponse> ApproveRechargeAdjustment(ApproveRechargeAdjustmentRequest r, ServerCallContext context)
    {
        new Violations().AdjustmentId(r.AdjustmentId).MaxLength("reason", r.Reason, CaseLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ApproveRechargeAdjustmentResponse { Adjustment = CaseContracts.ToContract(await Scoped<RechargeDesk>(context).ApproveAsync(r.AdjustmentId, r.Reason, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesApproveRecharge)]
    public override async Task<RejectRechargeAdjustmentResponse> RejectRechargeAdjustment(RejectRechargeAdjustmentRequest r, ServerCallContext context)
    {
        new Violations().AdjustmentId(r.AdjustmentId).RequiredMax("reason", r.Reason, CaseLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new RejectRechargeAdjustmentResponse { Adjustment = CaseContracts.ToContract(await Scoped<RechargeDesk>(context).RejectAsync(r.AdjustmentId, r.Reason, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<ListRechargeAdjustmentsResponse> ListRechargeAdjustments(ListRechargeAdjustmentsRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.CaseId < 0)
        {
            v.Add("case_id", "must be a case id (or 0 for any)");
        }
        var state = CaseContracts.AdjustmentState(r.State);
        if (r.State != RechargeAdjustmentState.Unspecified && state is null)
        {
            v.Add("state", "is not a known state");
        }
        var size = PageToken.Size(r.PageSize, MaxPage);
        var before = Cursor(v, r.PageToken);
        v.ThrowIfAny();
        var rows = await Scoped<CaseQueries>(context).AdjustmentsAsync(request.Caller,
            new RechargeAdjustmentFilter(r.CaseId == 0 ? null : r.CaseId, state, size, before), context.CancellationToken);
        var response = new ListRechargeAdjustmentsResponse { Adjustments = { rows.Take(size).Select(CaseContracts.ToContract) } };
        if (rows.Count > size)
        {
            response.NextPageToken = PageToken.Encode(rows[size - 1].AdjustmentId.ToString(CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<TallyBugReportsResponse> TallyBugReports(TallyBugReportsRequest r, ServerCallContext context)
    {
        var window = Window(new Violations(), r.OpenedFrom, r.OpenedTo, r.GameServerId);
        var rows = await Scoped<CaseReports>(context).TallyBugsAsync(request.Caller, window, context.CancellationToken);
        return new TallyBugReportsResponse
        {
            Tallies = { rows.Select(t => new BugTally { GameArea = t.GameArea, ClientVersion = t.ClientVersion, Reports = t.Reports, Masters = t.Masters, Open = t.Open }) },
        };
    }

    [RequiresPermission(Permissions.CasesWork)]
    public override async Task<MarkDuplicateBugResponse> MarkDuplicateBug(MarkDuplicateBugRequest r, ServerCallContext context)
    {
        var v = new Violations().CaseId(r.CaseId).CaseId(r.MasterCaseId, "master_case_id");
        if (r.CaseId > 0 && r.CaseId == r.MasterCaseId)
        {
            v.Add("master_case_id", "must be another case");
        }
        v.IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var marked = await Desk(context).MarkDuplicateAsync(r.CaseId, r.MasterCaseId, ct);
            return new MarkDuplicateBugResponse { Case = Contract(marked.Case), MasterCaseId = marked.MasterCaseId };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<ExportBugReportsResponse> ExportBugReports(ExportBugReportsRequest r, ServerCallContext context)
    {
        var window = Window(new Violations(), r.OpenedFrom, r.OpenedTo, r.GameServerId);
        var export = await Scoped<CaseReports>(context).ExportBugsAsync(request.Caller, window, context.CancellationToken);
        return new ExportBugReportsResponse { Csv = export.Csv, Rows = export.Rows, Truncated = export.Truncated };
    }

    [RequiresPermission(Permissions.CasesRate)]
    public override async Task<RecordCaseSatisfactionResponse> RecordCaseSatisfaction(RecordCaseSatisfactionRequest r, ServerCallContext context)
    {
        var v = new Violations().CaseId(r.CaseId);
        if (r.Rating is < 1 or > 5)
        {
            v.Add("rating", "must be 1..5");
        }
        v.MaxLength("comment", r.Comment, CaseLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new RecordCaseSatisfactionResponse { Case = Contract(await Desk(context).RecordSatisfactionAsync(r.CaseId, r.Rating, r.Comment, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.CasesRead)]
    public override async Task<GetCaseReportResponse> GetCaseReport(GetCaseReportRequest r, ServerCallContext context)
    {
        var o = options.CurrentValue;
        var v = new Violations().Timestamp("from", r.From).Timestamp("to", r.To).CheckGameServerId("game_server_id", r.GameServerId, required: false);
        if (r.From is null)
        {
            v.Add("from", "is required");
        }
        if (r.To is null)
        {
            v.Add("to", "is required");
        }
        CaseReportGroup? group = r.GroupBy switch
        {
            CaseReportGrouping.Agent => CaseReportGroup.Agent,
            CaseReportGrouping.Kind => CaseReportGroup.Kind,
            CaseReportGrouping.Week => CaseReportGroup.Week,
            _ => null,
        };
        if (group is null)
        {
            v.Add("group_by", "is required: agent, kind or week");
        }
        v.ThrowIfAny();
        var (from, to) = (r.From!.ToDateTimeOffset(), r.To!.ToDateTimeOffset());
        if (to <= from)
        {
            v.Add("to", "must be after from");
        }
        else if (to - from > o.ReportMaxSpan)
        {
            v.Add("to", $"a report covers at most {o.ReportMaxSpan.TotalDays:0} days");
        }
        v.ThrowIfAny();
        var figures = await Scoped<CaseReports>(context).ReportAsync(request.Caller, new CaseReportOrder(from, to, group!.Value, Empty(r.GameServerId)), context.CancellationToken);
        return new GetCaseReportResponse { Rows = { figures.Select(CaseContracts.ToContract) } };
    }

    private static BugWindow Window(Violations v, Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to, string gameServerId)
    {
        v.Timestamp("opened_from", from).Timestamp("opened_to", to).CheckGameServerId("game_server_id", gameServerId, required: false).ThrowIfAny();
        return new BugWindow(from?.ToDateTimeOffset(), to?.ToDateTimeOffset(), Empty(gameServerId));
    }

    private static long? Cursor(Violations v, string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        if (long.TryParse(PageToken.Decode(token, "page_token"), NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
        {
            return cursor;
        }
        v.Add("page_token", "is not a token this service gave out");
        return null;
    }

    /// <summary>A mutation's answer shows the contact only to whoever holds the permission (they just wrote or saw it).</summary>
    private Contracts.V1.PlayerCase Contract(PlayerCase c) => CaseContracts.ToContract(c, request.Caller.Holds(Permissions.PlayersReadContact));

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

    private static CaseDesk Desk(ServerCallContext context) => Scoped<CaseDesk>(context);

    private static IdempotentCalls Idempotent(ServerCallContext context) => Scoped<IdempotentCalls>(context);

    private static T Scoped<T>(ServerCallContext context) where T : notnull =>
        context.GetHttpContext().RequestServices.GetRequiredService<T>();
}
