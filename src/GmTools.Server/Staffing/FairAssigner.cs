namespace GmTools.Server.Staffing;

/// <summary>
/// An agent on duty as the assigner sees them: work open now, work given today, and the daily capacity in force.
/// The counts come from the caller's queue (VIP visits, cases), so the picker stays pure.
/// </summary>
public sealed record AgentLoad(string AgentId, int OpenLoad, int AssignedToday, int DailyCapacity)
{
    public int RemainingToday => Math.Max(0, DailyCapacity - AssignedToday);
}

/// <summary>
/// Fair assignment, pure: no database, no clock. Among agents on duty who are not excluded and still have capacity
/// today, the one who served this player before keeps them (continuity); otherwise the least open load wins, then
/// the most capacity left today, then the agent id (so the choice is repeatable).
/// </summary>
public static class FairAssigner
{
    public static string? Pick(IEnumerable<AgentLoad> onDuty, string? preferred = null, IReadOnlyCollection<string>? excluded = null)
    {
        var eligible = onDuty.Where(a => a.RemainingToday > 0 && (excluded is null || !excluded.Contains(a.AgentId))).ToList();
        if (preferred is not null && eligible.Any(a => string.Equals(a.AgentId, preferred, StringComparison.Ordinal)))
        {
            return preferred;
        }
        return eligible
            .OrderBy(a => a.OpenLoad)
            .ThenByDescending(a => a.RemainingToday)
            .ThenBy(a => a.AgentId, StringComparer.Ordinal)
            .FirstOrDefault()?.AgentId;
    }

    /// <summary>
    /// Assigns items one after the other, counting each assignment into the loads, so a batch is spread instead of
    /// landing on whoever was least loaded at the start. Items no agent can take get null.
    /// </summary>
    public static IReadOnlyList<(T Item, string? Agent)> AssignAll<T>(
        IReadOnlyList<T> items,
        IEnumerable<AgentLoad> onDuty,
        Func<T, string?> preferredOf,
        Func<T, IReadOnlyCollection<string>>? excludedOf = null)
    {
        var loads = onDuty.ToDictionary(a => a.AgentId, StringComparer.Ordinal);
        var result = new List<(T, string?)>(items.Count);
        foreach (var item in items)
        {
            var agent = Pick(loads.Values, preferredOf(item), excludedOf?.Invoke(item));
            if (agent is not null)
            {
                var a = loads[agent];
                loads[agent] = a with { OpenLoad = a.OpenLoad + 1, AssignedToday = a.AssignedToday + 1 };
            }
            result.Add((item, agent));
        }
        return result;
    }
}
