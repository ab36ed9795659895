using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Rewards;

/// <summary>Grant and catalogue entity → contract, contract enums ↔ stored names.</summary>
internal static class GrantContracts
{
    /// <summary>The stored state a ListGrants filter asks for; null: no filter.</summary>
    public static string? StateName(Contracts.V1.GrantState state) => state switch
    {
        Contracts.V1.GrantState.PendingApproval => GrantStates.PendingApproval,
        Contracts.V1.GrantState.Approved => GrantStates.Approved,
        Contracts.V1.GrantState.Rejected => GrantStates.Rejected,
        Contracts.V1.GrantState.Revoked => GrantStates.Revoked,
        _ => null,
    };

    public static Contracts.V1.GrantState ToContractState(string state) => state switch
    {
        GrantStates.PendingApproval => Contracts.V1.GrantState.PendingApproval,
        GrantStates.Approved => Contracts.V1.GrantState.Approved,
        GrantStates.Rejected => Contracts.V1.GrantState.Rejected,
        GrantStates.Revoked => Contracts.V1.GrantState.Revoked,
        _ => Contracts.V1.GrantState.Unspecified,
    };

    public static DeliveryState ToContract(MailDelivery state) => state switch
    {
        MailDelivery.Pending => DeliveryState.Pending,
        MailDelivery.Delivered => DeliveryState.Delivered,
        MailDelivery.Failed => DeliveryState.Failed,
        MailDelivery.Expired => DeliveryState.Expired,
        MailDelivery.Cancelled => DeliveryState.Cancelled,
        MailDelivery.RevokePending => DeliveryState.RevokePending,
        MailDelivery.ClawBackPending => DeliveryState.ClawBackPending,
        MailDelivery.ClawedBack => DeliveryState.ClawedBack,
        _ => DeliveryState.Unspecified,
    };

    /// <summary>The full view: each recipient with the delivery state the desk read.</summary>
    public static Contracts.V1.Grant ToContract(GrantView v)
    {
        var view = ToContract(v.Grant);
        view.Recipients.AddRange(v.Deliveries.Select(d => new Contracts.V1.GrantRecipient
        {
            PlayerId = d.PlayerId,
            GameServerId = d.GameServerId,
            DeliveryState = ToContract(d.State),
            FailureReason = d.FailureReason,
        }));
        return view;
    }

    /// <summary>A list row: recipients without delivery states (those would cost a read per grant).</summary>
    public static Contracts.V1.Grant Summary(Grant g)
    {
        var view = ToContract(g);
        view.Recipients.AddRange(g.Recipients.OrderBy(r => r.PlayerId, StringComparer.Ordinal)
            .Select(r => new Contracts.V1.GrantRecipient { PlayerId = r.PlayerId, GameServerId = r.GameServerId }));
        return view;
    }

    private static Contracts.V1.Grant ToContract(Grant g)
    {
        var view = new Contracts.V1.Grant
        {
            GrantId = g.GrantId,
            Requester = g.Requester,
            State = ToContractState(g.State),
            Reason = g.Reason,
            TicketRef = g.TicketRef,
            MailTitle = g.MailTitle,
            MailBody = g.MailBody,
            TotalValue = g.TotalValue,
            CreatedAt = Timestamp.FromDateTimeOffset(g.CreatedAt),
            DecidedBy = g.DecidedBy ?? "",
            DecidedAt = g.DecidedAt is { } d ? Timestamp.FromDateTimeOffset(d) : null,
            DecisionReason = g.DecisionReason ?? "",
            RevokedBy = g.RevokedBy ?? "",
            RevokedAt = g.RevokedAt is { } v ? Timestamp.FromDateTimeOffset(v) : null,
            RevokeReason = g.RevokeReason ?? "",
            ApprovalReason = g.ApprovalReason,
            CaseId = g.CaseId ?? 0,
        };
        view.Lines.AddRange(RewardLines.ToContract(RewardLines.FromJson(g.Lines)));
        return view;
    }

    public static Contracts.V1.CatalogueItem ToContract(CatalogueItem i) => new()
    {
        ItemId = i.ItemId,
        Name = i.Name,
        Kind = i.Kind == CatalogueItem.KindCurrency ? ItemKind.Currency : ItemKind.Item,
        UnitValue = i.UnitValue,
        Active = i.Active,
        UpdatedAt = Timestamp.FromDateTimeOffset(i.UpdatedAt),
    };

    public static string ToKind(ItemKind kind) => kind == ItemKind.Currency ? CatalogueItem.KindCurrency : CatalogueItem.KindItem;
}
