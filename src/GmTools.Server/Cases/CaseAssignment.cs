using GmTools.Server.Persistence;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

/// <summary>
/// Fair assignment of cases over the shared duty roster (Staffing): the loads are counted from the case queue here,
/// the choice is Staffing's pure <see cref="FairAssigner"/> (the player's previous agent first, then the least open
/// load, then the most capacity left today).
/// </summary>
public sealed class CaseAssignment(GmToolsDbContext db, StaffRoster roster, IOptionsMonitor<StaffingOptions> staffing)
{
    /// <summary>The agents on duty with their open cases and the cases given to them since the start of the local day.</summary>
    public async Task<IReadOnlyList<AgentLoad>> LoadsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var onDuty = await roster.OnDutyAsync(ct);
        if (onDuty.Count == 0)
        {
            return [];
        }
        var agents = onDuty.Select(d => d.StaffId).ToArray();
        var dayStart = staffing.CurrentValue.DayStart(now);
        var open = CaseStates.Open;
        var rows = await db.Set<PlayerCase>().AsNoTracking()
            .Where(c => c.Assignee != null && agents.Contains(c.Assignee) && (open.Contains(c.State) || c.AssignedAt >= dayStart))
            .GroupBy(c => c.Assignee!)
            .Select(g => new { Agent = g.Key, Open = g.Count(c => open.Contains(c.State)), Today = g.Count(c => c.AssignedAt >= dayStart) })
            .ToDictionaryAsync(r => r.Agent, StringComparer.Ordinal, ct);
        return [.. onDuty.Select(d => rows.TryGetValue(d.StaffId, out var r)
            ? new AgentLoad(d.StaffId, r.Open, r.Today, d.DailyCapacity)
            : new AgentLoad(d.StaffId, 0, 0, d.DailyCapacity))];
    }

    /// <summary>Who last worked one of the player's other cases (continuity), if anyone.</summary>
    public Task<string?> PreviousAgentAsync(PlayerCase c, CancellationToken ct) =>
        db.Set<PlayerCase>().AsNoTracking()
            .Where(x => x.PlayerId == c.PlayerId && x.CaseId != c.CaseId && x.Assignee != null)
            .OrderByDescending(x => x.CaseId).Select(x => x.Assignee).FirstOrDefaultAsync(ct);
}
