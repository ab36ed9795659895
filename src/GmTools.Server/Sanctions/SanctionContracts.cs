using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Sanctions;

/// <summary>Entity ↔ contract mapping.</summary>
internal static class SanctionContracts
{
    public static Contracts.V1.Sanction ToContract(Sanction s, DateTimeOffset now)
    {
        var c = new Contracts.V1.Sanction
        {
            SanctionId = s.SanctionId,
            PlayerId = s.PlayerId,
            Kind = SanctionKinds.ToContract(s.Kind),
            Scope = ToContract(s.ScopeGameServerId),
            IssuedAt = Timestamp.FromDateTimeOffset(s.IssuedAt),
            EndsAt = Ts(s.EndsAt),
            Permanent = s.IsPermanent,
            ReasonCode = s.ReasonCode,
            Reason = s.Reason,
            Evidence = new SanctionEvidence { ChatLineIds = { s.EvidenceChatLineIds }, AnomalyReportIds = { s.EvidenceAnomalyReportIds } },
            TicketRef = s.TicketRef,
            IssuedBy = s.IssuedBy,
            LadderStep = s.LadderStep,
            OverrideReason = s.OverrideReason,
            LiftedAt = Ts(s.LiftedAt),
            LiftedBy = s.LiftedBy ?? "",
            LiftReason = s.LiftReason ?? "",
            LiftedAsWrongful = s.LiftedAsWrongful,
            LiftCaseId = s.LiftCaseId ?? 0,
            Active = s.IsActiveAt(now),
            PlayerGameServerId = s.PlayerGameServerId,
        };
        return c;
    }

    public static BulkSanction ToContract(BulkSanctionPreview b)
    {
        var c = new BulkSanction
        {
            PreviewToken = b.Token,
            RequestedBy = b.RequestedBy,
            CreatedAt = Timestamp.FromDateTimeOffset(b.CreatedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(b.ExpiresAt),
            Kind = b.Kind.Length == 0 ? SanctionKind.Unspecified : SanctionKinds.ToContract(b.Kind),
            Scope = ToContract(b.ScopeGameServerId),
            ReasonCode = b.ReasonCode,
            Reason = b.Reason,
            TicketRef = b.TicketRef,
            PlayerIds = { b.PlayerIds },
            PlayerGameServerIds = { b.PlayerGameServerIds },
            PlayerCount = b.PlayerCount,
            NeedsApproval = b.NeedsApproval,
            ApprovedBy = b.ApprovedBy ?? "",
            ApprovedAt = Ts(b.ApprovedAt),
            ExecutedAt = Ts(b.ExecutedAt),
        };
        if (b.Kind != SanctionKinds.Kick)
        {
            c.End = b.EndsAt is { } at ? new SanctionEnd { EndsAt = Timestamp.FromDateTimeOffset(at) }
                : b.EndDuration is { } d ? new SanctionEnd { Duration = Duration.FromTimeSpan(d) }
                : b.EndPermanent ? new SanctionEnd { Permanent = true } : null;
        }
        return c;
    }

    public static SanctionScope ToContract(string? scopeGameServerId) =>
        scopeGameServerId is null ? new SanctionScope { AllGameServers = true } : new SanctionScope { GameServerId = scopeGameServerId };

    public static Appeal ToContract(SanctionAppeal a) => new()
    {
        AppealId = a.AppealId,
        SanctionId = a.SanctionId,
        PlayerId = a.PlayerId,
        Statement = a.Statement,
        FiledBy = a.FiledBy,
        FiledAt = Timestamp.FromDateTimeOffset(a.FiledAt),
        State = a.State switch
        {
            AppealStates.Open => AppealState.Open,
            AppealStates.Upheld => AppealState.Upheld,
            AppealStates.Overturned => AppealState.Overturned,
            _ => AppealState.Unspecified,
        },
        DecidedBy = a.DecidedBy ?? "",
        DecidedAt = Ts(a.DecidedAt),
        DecisionNote = a.DecisionNote ?? "",
        TicketRef = a.TicketRef,
    };

    public static CheckAccessResponse ToContract(AccessDecision d) => new()
    {
        MayLogIn = d.MayLogIn,
        LoginBlockedUntil = Ts(d.LoginBlockedUntil),
        LoginBlockedPermanently = d.LoginBlockedPermanently,
        MayChat = d.MayChat,
        ChatBlockedUntil = Ts(d.ChatBlockedUntil),
        ChatBlockedPermanently = d.ChatBlockedPermanently,
    };

    private static Timestamp? Ts(DateTimeOffset? t) => t is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
