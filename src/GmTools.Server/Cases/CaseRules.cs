namespace GmTools.Server.Cases;

/// <summary>The state machine of a case: pure, no clock of its own (the caller passes now).</summary>
public static class CaseRules
{
    private static readonly Dictionary<string, string[]> Moves = new(StringComparer.Ordinal)
    {
        [CaseStates.New] = [CaseStates.InProgress],
        [CaseStates.InProgress] = [CaseStates.WaitingForPlayer, CaseStates.Resolved],
        [CaseStates.WaitingForPlayer] = [CaseStates.InProgress, CaseStates.Resolved],
        [CaseStates.Resolved] = [CaseStates.Closed, CaseStates.InProgress],
        [CaseStates.Closed] = [CaseStates.InProgress],
    };

    /// <summary>The states a case in <paramref name="from"/> may move to (a reopen only within its period).</summary>
    public static IReadOnlyList<string> Allowed(string from) => Moves.TryGetValue(from, out var to) ? to : [];

    /// <summary>True for resolved/closed → in progress.</summary>
    public static bool IsReopen(string from, string to) =>
        from is CaseStates.Resolved or CaseStates.Closed && to == CaseStates.InProgress;

    /// <summary>Why the move is refused, or null when it is allowed.</summary>
    public static string? Refusal(string from, string to, DateTimeOffset? resolvedAt, DateTimeOffset now, TimeSpan reopenPeriod)
    {
        if (from == to)
        {
            return $"the case is already {from}";
        }
        if (!Allowed(from).Contains(to, StringComparer.Ordinal))
        {
            var allowed = Allowed(from);
            return $"a {from} case cannot move to {to}" + (allowed.Count > 0 ? $" (only to {string.Join(" or ", allowed)})" : "");
        }
        if (IsReopen(from, to) && (resolvedAt is null || now - resolvedAt.Value > reopenPeriod))
        {
            return $"the reopen period ({reopenPeriod}) after its resolution has passed; open a new case";
        }
        return null;
    }
}
