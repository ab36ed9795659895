namespace GmTools.Server.VipCare;

public sealed record PutTiersOrder(IReadOnlyList<TierThreshold> Tiers, long ExpectedVersion, string Note);

public sealed record PutRuleOrder(string Reason, string Tier, TimeSpan? After, TimeSpan DueWithin, bool Active, string Note);

/// <summary>Satisfaction null: not asked. CallBackAt only with the call-back outcome.</summary>
public sealed record OutcomeOrder(long TaskId, string Outcome, int? Satisfaction, string Notes, DateTimeOffset? CallBackAt, bool FollowUpNeeded);

public sealed record ReassignOrder(long TaskId, string Assignee, string Reason);

public sealed record RecordedOutcome(VisitTask Task, VisitAttemptEntity Attempt, VisitTask? FollowUp);

public sealed record VisitFilter(string? Assignee, string? PlayerId, string? State, bool OverdueOnly, string? GameServerId, int PageSize, (DateTimeOffset DueAt, long TaskId)? After);

public enum ReportGrouping { Agent, Tier, Week }

public sealed record ReportRow(string Key, int Completed, int CompletedOnTime, int Attempts, int Reached, int Rated, double SatisfactionSum, int Overdue)
{
    public double OnTimeRate => Completed == 0 ? 0 : (double)CompletedOnTime / Completed;
    public double ReachRate => Attempts == 0 ? 0 : (double)Reached / Attempts;
    public double AverageSatisfaction => Rated == 0 ? 0 : SatisfactionSum / Rated;
}

public sealed record ReachRate(int Band, string Name, int Attempts, int Reached)
{
    public double Rate => Attempts == 0 ? 0 : (double)Reached / Attempts;
}
