namespace GmTools.Server.Anomalies;

/// <summary>A kind as an admin asks for it (checked for shape at the edge).</summary>
public sealed record KindSpec(
    string Name,
    string DisplayName,
    string DefaultSeverity,
    string EvidenceSchemaHint,
    IReadOnlyList<AnomalyThresholdRule> Thresholds,
    bool Active);

public sealed record PutKindOrder(KindSpec Kind, long ExpectedVersion, string Note);

/// <summary>One report that passed the shape checks; whether its kind exists and its player is the server's is the desk's.</summary>
/// <summary><paramref name="At"/>: where the report sits in the request, for naming fields ("reports[3]", "report").</summary>
public sealed record IncomingReport(
    int Index,
    string At,
    string ReportId,
    string PlayerId,
    string Kind,
    string? Severity,
    DateTimeOffset OccurredAt,
    string EvidenceJson,
    IReadOnlyList<string> RelatedPlayerIds,
    string Summary);

public enum ReportOutcome
{
    Accepted,
    Duplicate,
    Rejected,
}

public sealed record ReportResult(int Index, string ReportId, ReportOutcome Outcome, string Field = "", string Reason = "", long AnomalyId = 0)
{
    public static ReportResult Rejected(int index, string reportId, string field, string reason) => new(index, reportId, ReportOutcome.Rejected, field, reason);
}

/// <summary>A batch after the shape checks: the reports to consider and those already rejected at the edge.</summary>
public sealed record IntakeBatch(string GameServerId, IReadOnlyList<IncomingReport> Reports, IReadOnlyList<ReportResult> Rejected);

/// <summary>Per-report results, and what the thresholds did because of this batch.</summary>
public sealed record IntakeResult(IReadOnlyList<ReportResult> Results, int CasesOpened = 0, int SanctionsIssued = 0, bool Degraded = false)
{
    public int Count(ReportOutcome outcome) => Results.Count(r => r.Outcome == outcome);
}
