using GmTools.Contracts.V1;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Cases;

/// <summary>Entity → contract, and the contract enums ↔ stored names.</summary>
public static class CaseContracts
{
    public static Contracts.V1.PlayerCase ToContract(PlayerCase c, bool withContact) => new()
    {
        CaseId = c.CaseId,
        PlayerId = c.PlayerId,
        GameServerId = c.GameServerId,
        Kind = c.Kind,
        Channel = Channel(c.Channel),
        Priority = Priority(c.Priority),
        State = State(c.State),
        Summary = c.Summary,
        Description = c.Description,
        Record = new CaseRecord
        {
            Account = c.Account,
            GameServerId = c.RecordGameServerId,
            CharacterName = c.CharacterName,
            EventTime = Time(c.EventAt),
            Contact = withContact ? c.Contact : "",
            ItemName = c.ItemName,
            Location = c.Location,
            PaymentChannel = c.PaymentChannel,
            OrderReference = c.OrderReference,
            Amount = c.Amount,
            Currency = c.Currency,
            PaymentTime = Time(c.PaidAt),
            GameArea = c.GameArea,
            ClientVersion = c.ClientVersion,
        },
        OpenedBy = c.OpenedBy,
        OpenedAt = Timestamp.FromDateTimeOffset(c.OpenedAt),
        Assignee = c.Assignee ?? "",
        FirstResponseAt = Time(c.FirstResponseAt),
        ResolvedAt = Time(c.ResolvedAt),
        ClosedAt = Time(c.ClosedAt),
        ReopenCount = c.ReopenCount,
        UpdatedAt = Timestamp.FromDateTimeOffset(c.UpdatedAt),
        FirstResponseDue = Timestamp.FromDateTimeOffset(c.FirstResponseDue),
        ResolutionDue = Timestamp.FromDateTimeOffset(c.ResolutionDue),
        SlaPaused = c.PausedAt is not null,
        FirstResponseWarnedAt = Time(c.FirstResponseWarnedAt),
        FirstResponseBreachedAt = Time(c.FirstResponseBreachedAt),
        ResolutionWarnedAt = Time(c.ResolutionWarnedAt),
        ResolutionBreachedAt = Time(c.ResolutionBreachedAt),
        EscalationLevel = c.EscalationLevel,
        EscalatedAt = Time(c.EscalatedAt),
    };

    public static Contracts.V1.EscalationLevel ToContract(CaseEscalationLevelOptions level) => new() { Name = level.Name, DecidedBy = level.DecidedBy.ToContract() };

    public static Contracts.V1.CaseNote ToContract(CaseNoteEntity n) => new()
    {
        NoteId = n.NoteId,
        Author = n.Author,
        Text = n.Text,
        AttachmentRefs = { n.AttachmentRefs },
        CreatedAt = Timestamp.FromDateTimeOffset(n.CreatedAt),
    };

    public static Contracts.V1.CaseLink ToContract(CaseLinkView l) => new()
    {
        Kind = LinkKind(l.Kind),
        ObjectId = l.ObjectId,
        GameServerId = l.GameServerId,
        Origin = l.MadeFromCase ? CaseLinkOrigin.MadeFromCase : CaseLinkOrigin.Linked,
        By = l.By,
        At = Timestamp.FromDateTimeOffset(l.At),
        Note = l.Note,
        Summary = l.Summary,
    };

    public static Contracts.V1.CaseLink ToContract(CaseLink l, bool readsPrivate) =>
        ToContract(new CaseLinkView(l.Kind, l.ObjectId, l.GameServerId, false, l.LinkedBy, l.LinkedAt, l.Note,
            l.LineText is { } text ? (l.PrivateLine && !readsPrivate ? "(private line)" : text) : ""));

    public static Contracts.V1.RechargeAdjustment ToContract(RechargeAdjustment a) => new()
    {
        AdjustmentId = a.AdjustmentId,
        CaseId = a.CaseId,
        PlayerId = a.PlayerId,
        GameServerId = a.GameServerId,
        PaymentReference = a.PaymentReference,
        Amount = a.Amount,
        Currency = a.Currency,
        Reason = a.Reason,
        RequestedBy = a.RequestedBy,
        RequestedAt = Timestamp.FromDateTimeOffset(a.RequestedAt),
        State = AdjustmentState(a.State),
        ApprovalRequired = a.ApprovalRequired,
        DecidedBy = a.DecidedBy ?? "",
        DecidedAt = Time(a.DecidedAt),
        DecisionReason = a.DecisionReason ?? "",
        SentAt = Time(a.SentAt),
        SettledAt = Time(a.SettledAt),
        FailureReason = a.FailureReason ?? "",
    };

    public static RechargeAdjustmentState AdjustmentState(string s) => s switch
    {
        RechargeAdjustmentStates.PendingApproval => RechargeAdjustmentState.PendingApproval,
        RechargeAdjustmentStates.Sent => RechargeAdjustmentState.Sent,
        RechargeAdjustmentStates.Applied => RechargeAdjustmentState.Applied,
        RechargeAdjustmentStates.Failed => RechargeAdjustmentState.Failed,
        RechargeAdjustmentStates.Rejected => RechargeAdjustmentState.Rejected,
        _ => RechargeAdjustmentState.Unspecified,
    };

    public static string? AdjustmentState(RechargeAdjustmentState s) => s switch
    {
        RechargeAdjustmentState.PendingApproval => RechargeAdjustmentStates.PendingApproval,
        RechargeAdjustmentState.Sent => RechargeAdjustmentStates.Sent,
        RechargeAdjustmentState.Applied => RechargeAdjustmentStates.Applied,
        RechargeAdjustmentState.Failed => RechargeAdjustmentStates.Failed,
        RechargeAdjustmentState.Rejected => RechargeAdjustmentStates.Rejected,
        _ => null,
    };

    public static string? LinkKind(CaseLinkKind k) => k switch
    {
        CaseLinkKind.Sanction => CaseLinkKinds.Sanction,
        CaseLinkKind.Grant => CaseLinkKinds.Grant,
        CaseLinkKind.Campaign => CaseLinkKinds.Campaign,
        CaseLinkKind.Visit => CaseLinkKinds.Visit,
        CaseLinkKind.ChatLine => CaseLinkKinds.ChatLine,
        _ => null,
    };

    public static CaseLinkKind LinkKind(string k) => k switch
    {
        CaseLinkKinds.Sanction => CaseLinkKind.Sanction,
        CaseLinkKinds.Grant => CaseLinkKind.Grant,
        CaseLinkKinds.Campaign => CaseLinkKind.Campaign,
        CaseLinkKinds.Visit => CaseLinkKind.Visit,
        CaseLinkKinds.ChatLine => CaseLinkKind.ChatLine,
        CaseLinkKinds.RechargeAdjustment => CaseLinkKind.RechargeAdjustment,
        _ => CaseLinkKind.Unspecified,
    };

    public static CaseKind ToContract(CaseKindOptions kind, CaseOptions o) => new() { Name = kind.Name, RequiredFields = { o.RequiredFields(kind) } };

    public static string? State(CaseState s) => s switch
    {
        CaseState.New => CaseStates.New,
        CaseState.InProgress => CaseStates.InProgress,
        CaseState.WaitingForPlayer => CaseStates.WaitingForPlayer,
        CaseState.Resolved => CaseStates.Resolved,
        CaseState.Closed => CaseStates.Closed,
        _ => null,
    };

    public static CaseState State(string s) => s switch
    {
        CaseStates.New => CaseState.New,
        CaseStates.InProgress => CaseState.InProgress,
        CaseStates.WaitingForPlayer => CaseState.WaitingForPlayer,
        CaseStates.Resolved => CaseState.Resolved,
        CaseStates.Closed => CaseState.Closed,
        _ => CaseState.Unspecified,
    };

    public static string? Channel(CaseChannel c) => c switch
    {
        CaseChannel.InGame => CaseChannels.InGame,
        CaseChannel.Phone => CaseChannels.Phone,
        CaseChannel.Im => CaseChannels.Im,
        CaseChannel.Email => CaseChannels.Email,
        CaseChannel.Web => CaseChannels.Web,
        _ => null,
    };

    public static CaseChannel Channel(string c) => c switch
    {
        CaseChannels.InGame => CaseChannel.InGame,
        CaseChannels.Phone => CaseChannel.Phone,
        CaseChannels.Im => CaseChannel.Im,
        CaseChannels.Email => CaseChannel.Email,
        CaseChannels.Web => CaseChannel.Web,
        _ => CaseChannel.Unspecified,
    };

    public static string? Priority(CasePriority p) => p switch
    {
        CasePriority.Low => CasePriorities.Low,
        CasePriority.Normal => CasePriorities.Normal,
        CasePriority.High => CasePriorities.High,
        CasePriority.Urgent => CasePriorities.Urgent,
        _ => null,
    };

    public static CasePriority Priority(string p) => p switch
    {
        CasePriorities.Low => CasePriority.Low,
        CasePriorities.Normal => CasePriority.Normal,
        CasePriorities.High => CasePriority.High,
        CasePriorities.Urgent => CasePriority.Urgent,
        _ => CasePriority.Unspecified,
    };

    private static Timestamp? Time(DateTimeOffset? t) => t is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
