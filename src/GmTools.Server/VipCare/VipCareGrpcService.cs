using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>Thin: shape checks, proto → orders, one desk or query call, entity → contract.</summary>
public sealed class VipCareGrpcService(RequestContext request, IOptionsMonitor<VipCareOptions> options, TimeProvider time) : VipCareService.VipCareServiceBase
{
    [RequiresPermission(Permissions.VipRead)]
    public override async Task<GetVipTiersResponse> GetVipTiers(GetVipTiersRequest r, ServerCallContext context)
    {
        var current = await Scoped<VipTiers>(context).CurrentAsync(context.CancellationToken);
        return new GetVipTiersResponse
        {
            Tiers = { current.Thresholds.Select(VipCareContracts.ToContract) },
            Version = current.Version,
            ChangedBy = current.ChangedBy,
            ChangedAt = current.Version == 0 ? null : Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(current.ChangedAt),
        };
    }

    [RequiresPermission(Permissions.VipConfigure)]
    public override async Task<PutVipTiersResponse> PutVipTiers(PutVipTiersRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var tiers = r.Tiers.Select(t => new TierThreshold(t.Name, t.MinRecharge)).ToList();
        foreach (var (field, problem) in TierRules.Problems(tiers))
        {
            v.Add(field, problem);
        }
        if (r.ExpectedVersion < 0)
        {
            v.Add("expected_version", "must not be negative");
        }
        v.RequiredMax("note", r.Note, VipCareLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new PutTiersOrder(tiers, r.ExpectedVersion, r.Note);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var put = await Scoped<VipTiers>(context).PutAsync(order, ct);
            return new PutVipTiersResponse { Tiers = { put.Thresholds.Select(VipCareContracts.ToContract) }, Version = put.Version };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.VipRead)]
    public override async Task<ListVisitRulesResponse> ListVisitRules(ListVisitRulesRequest r, ServerCallContext context) =>
        new() { Rules = { (await Queries(context).RulesAsync(context.CancellationToken)).Select(VipCareContracts.ToContract) } };

    [RequiresPermission(Permissions.VipConfigure)]
    public override async Task<PutVisitRuleResponse> PutVisitRule(PutVisitRuleRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var reason = VipCareContracts.Reason(r.Reason);
        if (reason is null)
        {
            v.Add("reason", "is required");
        }
        if (r.Tier.Length > 0 && !TierRules.IsName(r.Tier))
        {
            v.Add("tier", $"must be empty (every tier) or a tier name: 1 to {VipCareLimits.TierName} lower-case letters, digits or '_'");
        }
        TimeSpan? after = null;
        if (reason is not null && VisitReasons.HasInterval(reason))
        {
            after = v.Positive("after", r.After, required: true);
        }
        else if (r.After is not null)
        {
            v.Add("after", "is only for periodic and churn-risk rules");
        }
        var dueWithin = v.Positive("due_within", r.DueWithin, required: true);
        v.RequiredMax("note", r.Note, VipCareLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new PutRuleOrder(reason!, r.Tier, after, dueWithin!.Value, r.Active, r.Note);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new PutVisitRuleResponse { Rule = VipCareContracts.ToContract(await Scoped<VisitRuleDesk>(context).PutAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.VipWork)]
    public override async Task<ListMyVisitsResponse> ListMyVisits(ListMyVisitsRequest r, ServerCallContext context)
    {
        var size = PageToken.Size(r.PageSize, VipCareLimits.MaxPage);
        var queries = Queries(context);
        var now = time.GetUtcNow();
        var rows = await queries.MyQueueAsync(request.Caller, r.IncludeUnassigned, size, context.CancellationToken);
        return new ListMyVisitsResponse { Visits = { rows.Select(t => VipCareContracts.ToContract(t, queries.IsOverdue(t, now))) } };
    }

    [RequiresPermission(Permissions.VipWork)]
    public override async Task<ClaimVisitResponse> ClaimVisit(ClaimVisitRequest r, ServerCallContext context)
    {
        new Violations().VisitId(r.VisitId).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ClaimVisitResponse { Visit = Contract(context, await Desk(context).ClaimAsync(r.VisitId, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.VipWork)]
    public override async Task<RecordVisitOutcomeResponse> RecordVisitOutcome(RecordVisitOutcomeRequest r, ServerCallContext context)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var v = new Violations().VisitId(r.VisitId);
        var outcome = VipCareContracts.Outcome(r.Outcome);
        if (outcome is null)
        {
            v.Add("outcome", "is required: reached, not reached or call back");
        }
        if (r.Satisfaction is < 0 or > 5)
        {
            v.Add("satisfaction", "must be 1 to 5 (0: not asked)");
        }
        else if (r.Satisfaction > 0 && outcome != VisitOutcomes.Reached)
        {
            v.Add("satisfaction", "is recorded only when the player was reached");
        }
        if (r.FollowUpNeeded && outcome != VisitOutcomes.Reached)
        {
            v.Add("follow_up_needed", "is only for a call that reached the player");
        }
        v.MaxLength("notes", r.Notes, VipCareLimits.Notes);
        DateTimeOffset? callBack = null;
        if (outcome == VisitOutcomes.CallBack)
        {
            if (r.CallBackAt is null)
            {
                v.Add("call_back_at", "is required for a call back: the time the player asked for");
            }
            else if (!new Violations().Timestamp("call_back_at", r.CallBackAt).Any)
            {
                callBack = r.CallBackAt.ToDateTimeOffset();
                if (callBack <= now)
                {
                    v.Add("call_back_at", "must be in the future");
                }
                else if (callBack > now + o.CallBackHorizon)
                {
                    v.Add("call_back_at", $"must be within {o.CallBackHorizon.TotalDays:0.##} days");
                }
            }
            else
            {
                v.Timestamp("call_back_at", r.CallBackAt);
            }
        }
        else if (r.CallBackAt is not null)
        {
            v.Add("call_back_at", "is only for a call back");
        }
        v.IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new OutcomeOrder(r.VisitId, outcome!, r.Satisfaction == 0 ? null : r.Satisfaction, r.Notes, callBack, r.FollowUpNeeded);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var recorded = await Desk(context).RecordOutcomeAsync(order, ct);
            return new RecordVisitOutcomeResponse
            {
                Visit = Contract(context, recorded.Task),
                Attempt = VipCareContracts.ToContract(recorded.Attempt, Queries(context).Bands),
                FollowUp = recorded.FollowUp is { } f ? Contract(context, f) : null,
            };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.VipSupervise)]
    public override async Task<ListVisitsResponse> ListVisits(ListVisitsRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .MaxLength("assignee", r.Assignee, CommonLimits.ActorId)
            .MaxLength("player_id", r.PlayerId, PlayerLimits.PlayerId)
            .CheckGameServerId("game_server_id", r.GameServerId, required: false);
        var state = VipCareContracts.State(r.State);
        if (r.State != VisitState.Unspecified && state is null)
        {
            v.Add("state", "is not a known state");
        }
        var size = PageToken.Size(r.PageSize, VipCareLimits.MaxPage);
        (DateTimeOffset, long)? after = null;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor)
        {
            var parts = cursor.Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks)
            {
                after = (new DateTimeOffset(ticks, TimeSpan.Zero), id);
            }
            else
            {
                v.Add("page_token", "is not a token this service gave out");
            }
        }
        v.ThrowIfAny();
        var queries = Queries(context);
        var now = time.GetUtcNow();
        var filter = new VisitFilter(Empty(r.Assignee), Empty(r.PlayerId), state, r.OverdueOnly, Empty(r.GameServerId), size, after);
        var rows = await queries.ListAsync(request.Caller, filter, now, context.CancellationToken);
        var response = new ListVisitsResponse { Visits = { rows.Take(size).Select(t => VipCareContracts.ToContract(t, queries.IsOverdue(t, now))) } };
        if (rows.Count > size)
        {
            var last = rows[size - 1];
            response.NextPageToken = PageToken.Encode(string.Create(CultureInfo.InvariantCulture, $"{last.DueAt.UtcTicks}:{last.TaskId}"));
        }
        return response;
    }

    [RequiresPermission(Permissions.VipSupervise)]
    public override async Task<ReassignVisitResponse> ReassignVisit(ReassignVisitRequest r, ServerCallContext context)
    {
        new Violations().VisitId(r.VisitId)
            .RequiredMax("assignee", r.Assignee, CommonLimits.ActorId)
            .RequiredMax("reason", r.Reason, VipCareLimits.Note)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new ReassignOrder(r.VisitId, r.Assignee, r.Reason);
        return await Idempotent(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ReassignVisitResponse { Visit = Contract(context, await Desk(context).ReassignAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.VipSupervise)]
    public override async Task<GetVisitReportResponse> GetVisitReport(GetVisitReportRequest r, ServerCallContext context)
    {
        var v = new Violations();
        ReportGrouping? grouping = r.GroupBy switch
        {
            VisitReportGrouping.Agent => ReportGrouping.Agent,
            VisitReportGrouping.Tier => ReportGrouping.Tier,
            VisitReportGrouping.Week => ReportGrouping.Week,
            _ => null,
        };
        if (grouping is null)
        {
            v.Add("group_by", "is required: agent, tier or week");
        }
        v.Period(r.From, r.To).ThrowIfAny();
        var rows = await Queries(context).ReportAsync(request.Caller, grouping!.Value, r.From.ToDateTimeOffset(), r.To.ToDateTimeOffset(), context.CancellationToken);
        return new GetVisitReportResponse { Rows = { rows.Select(VipCareContracts.ToContract) } };
    }

    [RequiresPermission(Permissions.VipSupervise)]
    public override async Task<GetReachRatesResponse> GetReachRates(GetReachRatesRequest r, ServerCallContext context)
    {
        new Violations().MaxLength("tier", r.Tier, VipCareLimits.TierName).Period(r.From, r.To).ThrowIfAny();
        var queries = Queries(context);
        var rates = await queries.ReachRatesAsync(request.Caller, Empty(r.Tier), r.From.ToDateTimeOffset(), r.To.ToDateTimeOffset(), context.CancellationToken);
        return new GetReachRatesResponse { Bands = { rates.Select(VipCareContracts.ToContract) }, TimeZone = VipCareContracts.Offset(queries.Bands.LocalOffset) };
    }

    private Visit Contract(ServerCallContext context, VisitTask t) => VipCareContracts.ToContract(t, Queries(context).IsOverdue(t, time.GetUtcNow()));

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

    private static VisitDesk Desk(ServerCallContext context) => Scoped<VisitDesk>(context);

    private static VisitQueries Queries(ServerCallContext context) => Scoped<VisitQueries>(context);

    private static IdempotentCalls Idempotent(ServerCallContext context) => Scoped<IdempotentCalls>(context);

    private static T Scoped<T>(ServerCallContext context) where T : notnull =>
        context.GetHttpContext().RequestServices.GetRequiredService<T>();
}
