namespace GmTools.Server.Anomalies;

/// <summary>Pure threshold rules: which threshold the untaken reports cross, if any. No I/O, no clock (now is passed).</summary>
public static class AnomalyRules
{
    public sealed record Hit(AnomalyThresholdRule Rule, IReadOnlyList<AnomalyReport> Reports);

    /// <summary>
    /// The strongest crossed threshold (a temporary ban before a case; then in the kind's order) and the reports that
    /// crossed it. <paramref name="weight"/> ≥ 1 raises every count needed (a dismissed pattern of this player).
    /// </summary>
    public static Hit? Crossed(IReadOnlyList<AnomalyThresholdRule> rules, IReadOnlyList<AnomalyReport> reports, DateTimeOffset now, double weight)
    {
        Hit? best = null;
        foreach (var rule in rules)
        {
            var counted = reports.Where(r => r.OccurredAt > now - rule.Window && AnomalySeverities.Rank(r.Severity) >= AnomalySeverities.Rank(rule.MinSeverity)).ToList();
            if (counted.Count < Needed(rule, weight))
            {
                continue;
            }
            if (best is null || (rule.Action == AnomalyActions.TemporaryBan && best.Rule.Action != AnomalyActions.TemporaryBan))
            {
                best = new Hit(rule, counted);
            }
        }
        return best;
    }

    /// <summary>Reports needed to cross: the threshold's count times the weight, rounded up.</summary>
    public static int Needed(AnomalyThresholdRule rule, double weight) => (int)Math.Ceiling(rule.Count * Math.Max(1.0, weight));

    public static string Describe(AnomalyThresholdRule rule) =>
        $"{rule.Count} within {rule.Window}" + (rule.MinSeverity is { } s ? $" ({s}+)" : "");
}
