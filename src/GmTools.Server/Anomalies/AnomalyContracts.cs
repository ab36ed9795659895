using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Anomalies;

/// <summary>Entity → contract.</summary>
public static class AnomalyContracts
{
    public static AnomalyKind ToContract(AnomalyKindVersion k) => new()
    {
        Spec = new AnomalyKindSpec
        {
            Name = k.Name,
            DisplayName = k.DisplayName,
            DefaultSeverity = AnomalySeverities.ToContract(k.DefaultSeverity),
            EvidenceSchemaHint = k.EvidenceSchemaHint,
            Active = k.Active,
            Thresholds = { k.ThresholdRules.Select(t => new AnomalyThreshold
            {
                MinSeverity = AnomalySeverities.ToContract(t.MinSeverity),
                Count = t.Count,
                Window = Duration.FromTimeSpan(t.Window),
                Action = AnomalyActions.ToContract(t.Action),
                BanDuration = t.BanDuration is { } d ? Duration.FromTimeSpan(d) : null,
            }) },
        },
        Version = k.Version,
        ChangedBy = k.ChangedBy,
        ChangedAt = Timestamp.FromDateTimeOffset(k.ChangedAt),
        Note = k.Note,
    };

    public static AnomalyReportResult ToContract(ReportResult r) => new()
    {
        Index = r.Index,
        ReportId = r.ReportId,
        Outcome = r.Outcome switch
        {
            ReportOutcome.Accepted => AnomalyReportOutcome.Accepted,
            ReportOutcome.Duplicate => AnomalyReportOutcome.Duplicate,
            _ => AnomalyReportOutcome.Rejected,
        },
        Field = r.Field,
        Reason = r.Reason,
        AnomalyId = r.AnomalyId,
    };
}
