using GmTools.Server.Persistence;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>
/// The VIP queue's side of fair assignment: the agents on duty (roster) with their VIP load — open visits now and
/// visits given today (local day) — handed to the pure <see cref="FairAssigner"/>.
/// </summary>
public sealed class VisitAssignment(GmToolsDbContext db, StaffRoster roster, IOptionsMonitor<StaffingOptions> staffing)
{
    internal sealed class LoadRow
    {
        public string Assignee { get; set; } = "";
        public int Open { get; set; }
        public int Today { get; set; }
    }

    public async Task<IReadOnlyList<AgentLoad>> LoadsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var onDuty = await roster.OnDutyAsync(ct);
        if (onDuty.Count == 0)
        {
            return [];
        }
        var agents = onDuty.Select(d => d.StaffId).ToArray();
        var dayStart = staffing.CurrentValue.DayStart(now);
        var rows = await db.Database.SqlQuery<LoadRow>($"""
            SELECT assignee,
                   count(*) FILTER (WHERE state IN ('open', 'claimed'))::int AS open,
                   count(*) FILTER (WHERE assigned_at >= {dayStart})::int AS today
            FROM vip_visit_tasks
            WHERE assignee = ANY({agents}) AND (state IN ('open', 'claimed') OR assigned_at >= {dayStart})
            GROUP BY assignee
            """).ToDictionaryAsync(r => r.Assignee, StringComparer.Ordinal, ct);
        return [.. onDuty.Select(d => rows.TryGetValue(d.StaffId, out var r)
            ? new AgentLoad(d.StaffId, r.Open, r.Today, d.DailyCapacity)
            : new AgentLoad(d.StaffId, 0, 0, d.DailyCapacity))];
    }

    /// <summary>The agents who last had each player (continuity).</summary>
    public async Task<Dictionary<string, string>> LastAgentsAsync(IEnumerable<string> playerIds, CancellationToken ct)
    {
        var ids = playerIds.Distinct(StringComparer.Ordinal).ToArray();
        return await db.Set<VipPlayer>().AsNoTracking().Where(v => ids.Contains(v.PlayerId) && v.LastAgent != null)
            .ToDictionaryAsync(v => v.PlayerId, v => v.LastAgent!, StringComparer.Ordinal, ct);
    }

    /// <summary>Gives the visit to the agent (tracked entity; the caller saves) and remembers them for the player.</summary>
    public async Task GiveAsync(VisitTask task, string? agent, DateTimeOffset now, CancellationToken ct)
    {
        task.Assignee = agent;
        task.AssignedAt = agent is null ? null : now;
        task.ClaimedBy = null;
        task.ClaimedAt = null;
        task.State = VisitStates.Open;
        task.MissesByAssignee = 0;
        task.UpdatedAt = now;
        if (agent is not null)
        {
            await db.Database.ExecuteSqlAsync($"UPDATE vip_players SET last_agent = {agent} WHERE player_id = {task.PlayerId}", ct);
        }
    }
}
