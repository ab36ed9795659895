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

    public static AnomalyCaseState ToContractState(string state) => state switch
    {
        AnomalyCaseStates.Open => AnomalyCaseState.Open,
        AnomalyCaseStates.Claimed => AnomalyCaseState.Claimed,
        AnomalyCaseStates.Confirmed => AnomalyCaseState.Confirmed,
        AnomalyCaseStates.Dismissed => AnomalyCaseState.Dismissed,
        AnomalyCaseStates.AutoBanned => AnomalyCaseState.AutoBanned,
        _ => AnomalyCaseState.Unspecified,
    };

    public static string? FromContractState(AnomalyCaseState state) => state switch
    {
        AnomalyCaseState.Open => AnomalyCaseStates.Open,
        AnomalyCaseState.Claimed => AnomalyCaseStates.Claimed,
        AnomalyCaseState.Confirmed => AnomalyCaseStates.Confirmed,
        AnomalyCaseState.Dismissed => AnomalyCaseStates.Dismissed,
        AnomalyCaseState.AutoBanned => AnomalyCaseStates.AutoBanned,
        _ => null,
    };

    public static Contracts.V1.AnomalyCase ToContract(AnomalyCase c) => new()
    {
        CaseId = c.CaseId,
        PlayerId = c.PlayerId,
        GameServerId = c.GameServerId,
        Kind = c.Kind,
        Severity = AnomalySeverities.ToContract(c.Severity),
        State = ToContractState(c.State),
        OpenedAt = Timestamp.FromDateTimeOffset(c.OpenedAt),
        Trigger = c.Trigger,
        ReportCount = c.ReportCount,
        ClaimedBy = c.ClaimedBy ?? "",
        DecidedBy = c.DecidedBy ?? "",
        DecidedAt = c.DecidedAt is { } d ? Timestamp.FromDateTimeOffset(d) : null,
        DecisionNote = c.DecisionNote,
        SanctionId = c.SanctionId ?? 0,
    };

    public static Contracts.V1.AnomalyReport ToContract(AnomalyReport r) => new()
    {
        AnomalyId = r.AnomalyId,
        GameServerId = r.GameServerId,
        ReportId = r.ReportId,
        PlayerId = r.PlayerId,
        Kind = r.Kind,
        Severity = AnomalySeverities.ToContract(r.Severity),
        OccurredAt = Timestamp.FromDateTimeOffset(r.OccurredAt),
        ReceivedAt = Timestamp.FromDateTimeOffset(r.ReceivedAt),
        EvidenceJson = r.Evidence,
        RelatedPlayerIds = { r.RelatedPlayerIds },
        Summary = r.Summary,
        CaseId = r.CaseId ?? 0,
    };

    public static AnomalyCaseNote ToContract(AnomalyCaseNoteEntity n) => new()
    {
        Author = n.Author,
        AddedAt = Timestamp.FromDateTimeOffset(n.AddedAt),
        Text = n.Text,
    };

    public static GetAnomalyCaseResponse ToContract(CaseDetails d) => new()
    {
        Case = ToContract(d.Case),
        Reports = { d.Reports.Select(ToContract) },
        Notes = { d.Notes.Select(ToContract) },
        LinkedPlayers = { d.Linked.Select(l => new AnomalyLinkedPlayer { PlayerId = l.PlayerId, Reports = { l.Reports.Select(ToContract) } }) },
        ProposedBan = d.Proposal?.Duration is { } p ? Duration.FromTimeSpan(p) : null,
        ProposedPermanent = d.Proposal is { Duration: null },
    };

    public static AnomalyKindDay ToContract(KindDay d) => new()
    {
        Kind = d.Kind,
        Day = d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Reports = d.Reports,
        CasesOpened = d.Opened,
        CasesConfirmed = d.Confirmed,
        CasesDismissed = d.Dismissed,
        AutomaticActions = d.Automatic,
        ConfirmRate = d.ConfirmRate,
    };
}
