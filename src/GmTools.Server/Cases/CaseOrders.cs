namespace GmTools.Server.Cases;

/// <summary>What happened, as the record of a case holds it (empty strings / nulls: not given).</summary>
public sealed record CaseRecordSpec(
    string Account,
    string GameServerId,
    string CharacterName,
    DateTimeOffset? EventAt,
    string Contact,
    string ItemName,
    string Location,
    string PaymentChannel,
    string OrderReference,
    long Amount,
    string Currency,
    DateTimeOffset? PaidAt,
    string GameArea,
    string ClientVersion);

public sealed record OpenCaseOrder(
    string PlayerId,
    string Kind,
    string? Channel,
    string Priority,
    string Summary,
    string Description,
    CaseRecordSpec Record);

public sealed record CaseNoteOrder(long CaseId, string Text, IReadOnlyList<string> AttachmentRefs);

public sealed record CaseStateOrder(long CaseId, string State, string Note);

/// <summary>Assignee null: the caller claims it.</summary>
public sealed record AssignCaseOrder(long CaseId, string? Assignee, string Reason, bool Fair = false);

public sealed record EscalateOrder(long CaseId, string Reason);

public sealed record CaseFilter(
    string? PlayerId,
    string? State,
    string? Kind,
    string? Assignee,
    string? GameServerId,
    bool UnassignedOnly,
    int PageSize,
    long? Before,
    string? EscalationLevel = null,
    bool BreachedOnly = false);

public sealed record CaseWithNotes(PlayerCase Case, IReadOnlyList<CaseNoteEntity> Notes, bool WithContact, IReadOnlyList<CaseLinkView> Links);

public sealed record NotedCase(PlayerCase Case, CaseNoteEntity Note);

/// <summary>GameServerId: a chat line's game server, empty for other kinds.</summary>
public sealed record LinkCaseOrder(long CaseId, string Kind, string ObjectId, string GameServerId, string Note);

public sealed record LinkedCase(PlayerCase Case, CaseLink Link);

/// <summary>A link or something made from the case, as GetCase shows it.</summary>
public sealed record CaseLinkView(string Kind, string ObjectId, string GameServerId, bool MadeFromCase, string By, DateTimeOffset At, string Note, string Summary);

public sealed record RechargeAdjustmentOrder(long CaseId, string PaymentReference, long Amount, string Currency, string Reason);

public sealed record AdjustedCase(RechargeAdjustment Adjustment, PlayerCase Case);

public sealed record RechargeAdjustmentFilter(long? CaseId, string? State, int PageSize, long? Before);

/// <summary>Opened in [From, To) when given; GameServerId narrows the caller's scope.</summary>
public sealed record BugWindow(DateTimeOffset? From, DateTimeOffset? To, string? GameServerId);

public sealed record BugTallyRow(string GameArea, string ClientVersion, long Reports, long Masters, long Open);

public sealed record BugExport(string Csv, int Rows, bool Truncated);

public sealed record DuplicateMarked(PlayerCase Case, long MasterCaseId);

public enum CaseReportGroup { Agent, Kind, Week }

public sealed record CaseReportOrder(DateTimeOffset From, DateTimeOffset To, CaseReportGroup GroupBy, string? GameServerId);

public sealed record CaseReportFigures(
    string Key, long Volume, double FirstResponseSeconds, long Responded, double ResolutionSeconds, long Resolved,
    long SlaMet, long SlaKnown, double Satisfaction, long Rated, long Reopened);
