using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>
/// The agents' and supervisors' writes on a visit: claim, record a call's outcome, reassign. The visit row is locked
/// first (two agents on one visit take turns); the change, the attempt and the audit record commit together.
/// </summary>
public sealed class VisitDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    RequestContext request,
    VisitPlans plans,
    VisitAssignment assignment,
    IOptionsMonitor<VipCareOptions> options,
    IOptionsMonitor<StaffingOptions> staffing,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<VisitTask> ClaimAsync(long taskId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var task = await LockVisibleAsync(taskId, ct);
        EnsureOpen(task);
        if (task.ClaimedBy is { } holder)
        {
            throw GrpcErrors.FailedPrecondition(holder == Caller.Id ? $"visit {taskId} is already yours" : $"visit {taskId} is claimed by {holder}; a supervisor reassigns it");
        }
        if (task.Assignee is { } assignee && assignee != Caller.Id)
        {
            throw GrpcErrors.FailedPrecondition($"visit {taskId} is assigned to {assignee}; a supervisor reassigns it");
        }
        if (task.Assignee is null)
        {
            await assignment.GiveAsync(task, Caller.Id, now, ct);
        }
        task.State = VisitStates.Claimed;
        task.ClaimedBy = Caller.Id;
        task.ClaimedAt = now;
        task.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(VisitPlanner.Entry("vip.visit.claim", task, new { by = Caller.Id }), ct);
        await tx.CommitAsync(ct);
        return task;
    }

    public async Task<RecordedOutcome> RecordOutcomeAsync(OutcomeOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        await using var tx = await db.BeginWorkAsync(ct);
        var task = await LockVisibleAsync(order.TaskId, ct);
        EnsureOpen(task);
        if (task.ClaimedBy is { } holder && holder != Caller.Id)
        {
            throw GrpcErrors.FailedPrecondition($"visit {task.TaskId} is claimed by {holder}: only they record its calls");
        }
        if (task.ClaimedBy is null && task.Assignee is { } assignee && assignee != Caller.Id)
        {
            throw GrpcErrors.FailedPrecondition($"visit {task.TaskId} is assigned to {assignee}: only they record its calls");
        }
        var bands = HourBands.From(o, staffing.CurrentValue.LocalOffset);
        var attempt = new VisitAttemptEntity
        {
            TaskId = task.TaskId,
            PlayerId = task.PlayerId,
            GameServerId = task.GameServerId,
            Tier = task.Tier,
            Agent = Caller.Id,
            Outcome = order.Outcome,
            CalledAt = now,
            HourBand = bands.BandOf(now),
            Satisfaction = order.Satisfaction,
            Notes = order.Notes,
            CallBackAt = order.CallBackAt,
        };
        db.Add(attempt);
        task.Attempts++;
        task.LastOutcome = order.Outcome;
        task.UpdatedAt = now;
        if (order.Notes.Length > 0)
        {
            task.Notes = order.Notes;
        }
        var previousAssignee = task.Assignee;
        VisitTask? followUp = null;
        switch (order.Outcome)
        {
            case VisitOutcomes.Reached:
                task.State = VisitStates.Done;
                task.Satisfaction = order.Satisfaction;
                task.CompletedAt = now;
                task.CompletedBy = Caller.Id;
                task.Assignee ??= Caller.Id;
                await db.Database.ExecuteSqlAsync($"UPDATE vip_players SET last_agent = {Caller.Id} WHERE player_id = {task.PlayerId}", ct);
                break;
            case VisitOutcomes.CallBack:
                // The player named the time: no band, no miss.
                Release(task, order.CallBackAt!.Value);
                task.Assignee ??= Caller.Id;
                break;
            default:
                await MissedAsync(task, bands, now, ct);
                break;
        }
        await db.SaveChangesAsync(ct);
        if (order.FollowUpNeeded && await plans.AgentFollowUpAsync(task, Caller.Id, now, ct) is { } followUpId)
        {
            task.FollowUpTaskId = followUpId;
            await db.SaveChangesAsync(ct);
            followUp = await db.Set<VisitTask>().AsNoTracking().SingleAsync(t => t.TaskId == followUpId, ct);
        }
        await audit.AppendAsync(VisitPlanner.Entry("vip.visit.outcome", task, new
        {
            order.Outcome,
            order.Satisfaction,
            order.CallBackAt,
            attempt.AttemptId,
            hourBand = attempt.HourBand is { } b ? bands.Name(b) : null,
            task.DueAt,
            task.State,
            from = previousAssignee,
            to = task.Assignee,
            followUp = followUp?.TaskId,
        }), ct);
        await tx.CommitAsync(ct);
        return new RecordedOutcome(task, attempt, followUp);
    }

    public async Task<VisitTask> ReassignAsync(ReassignOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var task = await LockVisibleAsync(order.TaskId, ct);
        EnsureOpen(task);
        if (task.Assignee == order.Assignee)
        {
            throw GrpcErrors.FailedPrecondition($"visit {task.TaskId} is already assigned to {order.Assignee}");
        }
        var from = task.Assignee;
        await assignment.GiveAsync(task, order.Assignee, now, ct);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(VisitPlanner.Entry("vip.visit.assign", task, new { from, to = order.Assignee, automatic = false }, order.Reason), ct);
        await tx.CommitAsync(ct);
        return task;
    }

    /// <summary>
    /// Not reached: the next attempt at the start of the hour band where this player (else the tier) has been reached
    /// most often; after the second miss of the agent who has it, another agent (never one who missed twice before).
    /// Out of attempts: unreachable.
    /// </summary>
    private async Task MissedAsync(VisitTask task, HourBands bands, DateTimeOffset now, CancellationToken ct)
    {
        var o = options.CurrentValue;
        task.Misses++;
        task.MissesByAssignee++;
        if (task.Attempts >= o.MaxAttempts)
        {
            task.State = VisitStates.Unreachable;
            task.CompletedAt = now;
            task.ClaimedBy = null;
            return;
        }
        var player = await BandStatsAsync(a => a.PlayerId == task.PlayerId, ct);
        var tier = await BandStatsAsync(a => a.Tier == task.Tier, ct);
        var band = HourBands.Best(player, tier, bands.BandStartingAt(o.DefaultBandStart));
        Release(task, bands.NextStart(band, now, o.MinRetryGap));
        if (task.MissesByAssignee >= 2 && task.Assignee is { } missedTwice)
        {
            if (!task.ExcludedAgents.Contains(missedTwice))
            {
                task.ExcludedAgents = [.. task.ExcludedAgents, missedTwice];
            }
            var loads = await assignment.LoadsAsync(now, ct);
            var last = await assignment.LastAgentsAsync([task.PlayerId], ct);
            var next = FairAssigner.Pick(loads, last.GetValueOrDefault(task.PlayerId), task.ExcludedAgents);
            // Nobody else on duty: it waits unassigned and the planning run gives it to the next agent who is.
            await assignment.GiveAsync(task, next, now, ct);
            await audit.AppendAsync(VisitPlanner.Entry("vip.visit.assign", task, new { from = missedTwice, to = next, automatic = true }, "missed twice"), ct);
        }
    }

    private static void Release(VisitTask task, DateTimeOffset dueAt)
    {
        task.State = VisitStates.Open;
        task.ClaimedBy = null;
        task.ClaimedAt = null;
        task.DueAt = dueAt;
        task.OverdueAt = null;
    }

    private async Task<IReadOnlyList<BandStat>> BandStatsAsync(System.Linq.Expressions.Expression<Func<VisitAttemptEntity, bool>> which, CancellationToken ct) =>
        await db.Set<VisitAttemptEntity>().AsNoTracking().Where(which).Where(a => a.HourBand != null)
            .GroupBy(a => a.HourBand!.Value)
            .Select(g => new BandStat(g.Key, g.Count(), g.Count(a => a.Outcome == VisitOutcomes.Reached)))
            .ToListAsync(ct);

    private static void EnsureOpen(VisitTask task)
    {
        if (!VisitStates.IsOpen(task.State))
        {
            throw GrpcErrors.FailedPrecondition($"visit {task.TaskId} is {task.State}");
        }
    }

    private async Task<VisitTask> LockVisibleAsync(long taskId, CancellationToken ct) =>
        Caller.VisibleVisit(await db.LockAsync<VisitTask>(taskId, ct), taskId);
}

/// <summary>Admins' writes of the plan rules: one rule per (reason, tier), replaced whole, audited.</summary>
public sealed class VisitRuleDesk(GmToolsDbContext db, AuditWriter audit, RequestContext request, TimeProvider time)
{
    public async Task<VisitRuleEntity> PutAsync(PutRuleOrder order, CancellationToken ct)
    {
        request.Caller.EnsureCoversEveryServer("changing the visit plan rules (one set for every game server)");
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("vip.rules", ct);
        var rule = await db.Set<VisitRuleEntity>().SingleOrDefaultAsync(r => r.Reason == order.Reason && r.Tier == order.Tier, ct);
        var before = rule is null ? null : new { rule.After, rule.DueWithin, rule.Active };
        if (rule is null)
        {
            rule = new VisitRuleEntity { Reason = order.Reason, Tier = order.Tier };
            db.Add(rule);
        }
        rule.After = order.After;
        rule.DueWithin = order.DueWithin;
        rule.Active = order.Active;
        rule.ChangedBy = request.Caller.Id;
        rule.ChangedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("vip.rule.put", "vip_rule", rule.RuleId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { rule.Reason, rule.Tier, from = before, to = new { rule.After, rule.DueWithin, rule.Active } }, Reason: order.Note), ct);
        await tx.CommitAsync(ct);
        return rule;
    }
}
