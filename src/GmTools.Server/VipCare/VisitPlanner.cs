using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace GmTools.Server.VipCare;

/// <summary>
/// One planning run, as the system: (1) reconcile every tier that disagrees with recharge_total (whatever changed
/// it: a sync whose hook failed, a recharge adjustment, new thresholds); (2) plan visits by the rules; (3) give open
/// visits nobody has to agents on duty, fairly; (4) mark visits past due + SLA as overdue. Each step is its own
/// transaction; none holds a lock across runs, and two runs at once create nothing twice (see <see cref="VisitPlans"/>).
/// </summary>
public sealed class VisitPlanner(
    GmToolsDbContext db,
    VipTiers tiers,
    VisitPlans plans,
    VisitAssignment assignment,
    AuditWriter audit,
    IOptionsMonitor<VipCareOptions> options,
    TimeProvider time)
{
    public sealed record PlanResult(int TiersChanged, IReadOnlyDictionary<string, int> Planned, int Assigned, int Overdue)
    {
        public int PlannedTotal => Planned.Values.Sum();
    }

    public async Task<PlanResult> PlanAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var disagreeing = await tiers.DisagreeingAsync(o.PlanningBatch, ct);
        var changed = (await tiers.ApplyAsync(disagreeing, TierChangeSources.Reconcile, ct)).Count;
        var planned = await PlanByRulesAsync(
        [
            (VisitReasons.Periodic, plans.PeriodicAsync),
            (VisitReasons.ChurnRisk, plans.ChurnRiskAsync),
            (VisitReasons.ComplaintFollowUp, plans.ComplaintFollowUpsAsync),
            (VisitReasons.CompensationFollowUp, plans.CompensationFollowUpsAsync),
            (VisitReasons.SanctionFollowUp, plans.SanctionFollowUpsAsync),
        ], ct);
        var assigned = await AssignOpenAsync(ct);
        var overdue = await MarkOverdueAsync(ct);
        return new PlanResult(changed, planned, assigned, overdue);
    }

    /// <summary>Only the follow-ups of events (complaint, compensation, wrongful lift), then assignment: run at once when one commits.</summary>
    public async Task<IReadOnlyDictionary<string, int>> PlanFollowUpsAsync(CancellationToken ct)
    {
        var planned = await PlanByRulesAsync(
        [
            (VisitReasons.ComplaintFollowUp, plans.ComplaintFollowUpsAsync),
            (VisitReasons.CompensationFollowUp, plans.CompensationFollowUpsAsync),
            (VisitReasons.SanctionFollowUp, plans.SanctionFollowUpsAsync),
        ], ct);
        if (planned.Values.Sum() > 0)
        {
            await AssignOpenAsync(ct);
        }
        return planned;
    }

    private async Task<Dictionary<string, int>> PlanByRulesAsync((string Reason, Func<DateTimeOffset, CancellationToken, Task<List<long>>> Plan)[] steps, CancellationToken ct)
    {
        var planned = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (reason, plan) in steps)
        {
            var now = time.GetUtcNow();
            await using var tx = await db.BeginWorkAsync(ct);
            var ids = await plan(now, ct);
            if (ids.Count > 0)
            {
                // One record per reason and run: the visits themselves carry the detail.
                await audit.AppendAsync(new AuditEntry("vip.visits.plan", "vip_visits", reason, new { reason, count = ids.Count, visitIds = ids }), ct);
            }
            await tx.CommitAsync(ct);
            planned[reason] = ids.Count;
        }
        return planned;
    }

    /// <summary>Open visits nobody has, due first, to agents on duty: continuity, then balance (FairAssigner).</summary>
    public async Task<int> AssignOpenAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var loads = await assignment.LoadsAsync(now, ct);
        if (loads.Count == 0)
        {
            return 0;
        }
        var open = await db.Set<VisitTask>().FromSql($"""
            SELECT * FROM vip_visit_tasks WHERE state = {VisitStates.Open} AND assignee IS NULL
            ORDER BY due_at, task_id LIMIT {options.CurrentValue.PlanningBatch} FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        var last = await assignment.LastAgentsAsync(open.Select(t => t.PlayerId), ct);
        var given = FairAssigner.AssignAll(open, loads, t => last.GetValueOrDefault(t.PlayerId), t => t.ExcludedAgents);
        var count = 0;
        foreach (var (task, agent) in given.Where(g => g.Agent is not null))
        {
            await assignment.GiveAsync(task, agent, now, ct);
            await audit.AppendAsync(Entry("vip.visit.assign", task, new { to = agent, automatic = true }), ct);
            count++;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return count;
    }

    /// <summary>Open visits past due by more than the SLA get their overdue mark (once), audited.</summary>
    public async Task<int> MarkOverdueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var late = now - options.CurrentValue.OverdueAfter;
        await using var tx = await db.BeginWorkAsync(ct);
        var tasks = await db.Set<VisitTask>().FromSql($"""
            SELECT * FROM vip_visit_tasks WHERE state IN ('open', 'claimed') AND overdue_at IS NULL AND due_at <= {late}
            ORDER BY due_at LIMIT {options.CurrentValue.PlanningBatch} FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        foreach (var task in tasks)
        {
            task.OverdueAt = now;
            task.UpdatedAt = now;
            await audit.AppendAsync(Entry("vip.visit.overdue", task, new { task.DueAt, task.Assignee }), ct);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return tasks.Count;
    }

    internal static AuditEntry Entry(string action, VisitTask task, object change, string reason = "") =>
        new(action, "vip_visit", task.TaskId.ToString(CultureInfo.InvariantCulture), change, PlayerId: task.PlayerId, GameServerId: task.GameServerId, Reason: reason);
}

/// <summary>The clustered planning run (one at a time across the cluster; the inserts are safe even if not).</summary>
[DisallowConcurrentExecution]
public sealed class VisitPlanningJob(VisitPlanner planner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await planner.PlanAsync(cancellationToken);
}
