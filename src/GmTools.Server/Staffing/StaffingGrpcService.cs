using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Security;
using Grpc.Core;

namespace GmTools.Server.Staffing;

/// <summary>Thin: shape checks, one roster call, entry → contract.</summary>
public sealed class StaffingGrpcService : StaffingService.StaffingServiceBase
{
    [RequiresPermission(Permissions.StaffingDuty)]
    public override async Task<SetMyDutyResponse> SetMyDuty(SetMyDutyRequest r, ServerCallContext context)
    {
        new Violations().IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new SetMyDutyResponse { Duty = StaffingContracts.ToContract(await Roster(context).SetMyDutyAsync(r.OnDuty, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.StaffingRead)]
    public override async Task<ListDutyResponse> ListDuty(ListDutyRequest r, ServerCallContext context) =>
        new() { Entries = { (await Roster(context).ListAsync(r.OnDutyOnly, context.CancellationToken)).Select(StaffingContracts.ToContract) } };

    [RequiresPermission(Permissions.StaffingManage)]
    public override async Task<SetAgentCapacityResponse> SetAgentCapacity(SetAgentCapacityRequest r, ServerCallContext context)
    {
        var v = new Violations().RequiredMax("staff_id", r.StaffId, CommonLimits.ActorId);
        if (r.DailyCapacity is < 0 or > StaffingLimits.MaxDailyCapacity)
        {
            v.Add("daily_capacity", $"must be between 1 and {StaffingLimits.MaxDailyCapacity}, or 0 for the default");
        }
        v.RequiredMax("reason", r.Reason, StaffingLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        int? capacity = r.DailyCapacity == 0 ? null : r.DailyCapacity;
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new SetAgentCapacityResponse { Duty = StaffingContracts.ToContract(await Roster(context).SetCapacityAsync(r.StaffId, capacity, r.Reason, ct)) }, context.CancellationToken);
    }

    private static StaffRoster Roster(ServerCallContext context) => Scoped<StaffRoster>(context);

    private static T Scoped<T>(ServerCallContext context) where T : notnull =>
        context.GetHttpContext().RequestServices.GetRequiredService<T>();
}
