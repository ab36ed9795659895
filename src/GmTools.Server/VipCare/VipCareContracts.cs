using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.VipCare;

/// <summary>Entity → contract, and the contract enums ↔ stored names.</summary>
public static class VipCareContracts
{
    private static readonly (VisitReason Contract, string Stored)[] Reasons =
    [
        (VisitReason.Welcome, VisitReasons.Welcome),
        (VisitReason.Periodic, VisitReasons.Periodic),
        (VisitReason.ChurnRisk, VisitReasons.ChurnRisk),
        (VisitReason.ComplaintFollowUp, VisitReasons.ComplaintFollowUp),
        (VisitReason.CompensationFollowUp, VisitReasons.CompensationFollowUp),
        (VisitReason.SanctionFollowUp, VisitReasons.SanctionFollowUp),
        (VisitReason.FollowUp, VisitReasons.FollowUp),
    ];

    private static readonly (VisitState Contract, string Stored)[] States =
    [
        (VisitState.Open, VisitStates.Open),
        (VisitState.Claimed, VisitStates.Claimed),
        (VisitState.Done, VisitStates.Done),
        (VisitState.Unreachable, VisitStates.Unreachable),
    ];

    private static readonly (VisitOutcome Contract, string Stored)[] Outcomes =
    [
        (VisitOutcome.Reached, VisitOutcomes.Reached),
        (VisitOutcome.NotReached, VisitOutcomes.NotReached),
        (VisitOutcome.CallBack, VisitOutcomes.CallBack),
    ];

    public static string? Reason(VisitReason r) => Reasons.FirstOrDefault(x => x.Contract == r).Stored;

    public static VisitReason Reason(string? r) => Reasons.FirstOrDefault(x => x.Stored == r).Contract;

    public static string? State(VisitState s) => States.FirstOrDefault(x => x.Contract == s).Stored;

    public static VisitState State(string s) => States.FirstOrDefault(x => x.Stored == s).Contract;

    public static string? Outcome(VisitOutcome o) => Outcomes.FirstOrDefault(x => x.Contract == o).Stored;

    public static VisitOutcome Outcome(string? o) => Outcomes.FirstOrDefault(x => x.Stored == o).Contract;

    public static Visit ToContract(VisitTask t, bool overdue) => new()
    {
        VisitId = t.TaskId,
        PlayerId = t.PlayerId,
        GameServerId = t.GameServerId,
        Tier = t.Tier,
        Reason = Reason(t.Reason),
        Source = t.Source ?? "",
        State = State(t.State),
        Assignee = t.Assignee ?? "",
        ClaimedBy = t.ClaimedBy ?? "",
        DueAt = Timestamp.FromDateTimeOffset(t.DueAt),
        Overdue = overdue,
        OverdueAt = Time(t.OverdueAt),
        Attempts = t.Attempts,
        Misses = t.Misses,
        LastOutcome = Outcome(t.LastOutcome),
        Satisfaction = t.Satisfaction ?? 0,
        Notes = t.Notes,
        CreatedAt = Timestamp.FromDateTimeOffset(t.CreatedAt),
        CompletedAt = Time(t.CompletedAt),
        FollowUpVisitId = t.FollowUpTaskId ?? 0,
    };

    public static Contracts.V1.VisitAttempt ToContract(VisitAttemptEntity a, HourBands bands) => new()
    {
        AttemptId = a.AttemptId,
        Agent = a.Agent,
        Outcome = Outcome(a.Outcome),
        CalledAt = Timestamp.FromDateTimeOffset(a.CalledAt),
        HourBand = a.HourBand is { } b ? bands.Name(b) : "",
        Satisfaction = a.Satisfaction ?? 0,
        Notes = a.Notes,
        CallBackAt = Time(a.CallBackAt),
    };

    public static Contracts.V1.VisitRule ToContract(VisitRuleEntity r) => new()
    {
        RuleId = r.RuleId,
        Reason = Reason(r.Reason),
        Tier = r.Tier,
        After = r.After is { } after ? Duration.FromTimeSpan(after) : null,
        DueWithin = Duration.FromTimeSpan(r.DueWithin),
        Active = r.Active,
        ChangedBy = r.ChangedBy,
        ChangedAt = Timestamp.FromDateTimeOffset(r.ChangedAt),
    };

    public static Contracts.V1.VipTier ToContract(TierThreshold t) => new() { Name = t.Name, MinRecharge = t.MinRecharge };

    public static VisitReportRow ToContract(ReportRow r) => new()
    {
        Key = r.Key,
        Completed = r.Completed,
        CompletedOnTime = r.CompletedOnTime,
        OnTimeRate = r.OnTimeRate,
        Attempts = r.Attempts,
        Reached = r.Reached,
        ReachRate = r.ReachRate,
        AverageSatisfaction = r.AverageSatisfaction,
        Rated = r.Rated,
        Overdue = r.Overdue,
    };

    public static ReachBand ToContract(ReachRate r) => new() { Band = r.Name, Attempts = r.Attempts, Reached = r.Reached, ReachRate = r.Rate };

    public static string Offset(TimeSpan offset) => (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static Timestamp? Time(DateTimeOffset? t) => t is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
