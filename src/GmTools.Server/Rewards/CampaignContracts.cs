using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Rewards;

/// <summary>Campaign entity → contract, contract states ↔ stored names.</summary>
internal static class CampaignContracts
{
    public static string? StateName(Contracts.V1.CampaignState state) => state switch
    {
        Contracts.V1.CampaignState.Draft => CampaignStates.Draft,
        Contracts.V1.CampaignState.PendingApproval => CampaignStates.PendingApproval,
        Contracts.V1.CampaignState.Expanding => CampaignStates.Expanding,
        Contracts.V1.CampaignState.Expanded => CampaignStates.Expanded,
        Contracts.V1.CampaignState.Rejected => CampaignStates.Rejected,
        Contracts.V1.CampaignState.Cancelled => CampaignStates.Cancelled,
        _ => null,
    };

    public static Contracts.V1.Campaign ToContract(CampaignView v) => ToContract(v.Campaign, v.Progress);

    public static Contracts.V1.CampaignState ToContractState(string state) => state switch
    {
        CampaignStates.Draft => Contracts.V1.CampaignState.Draft,
        CampaignStates.PendingApproval => Contracts.V1.CampaignState.PendingApproval,
        CampaignStates.Expanding => Contracts.V1.CampaignState.Expanding,
        CampaignStates.Expanded => Contracts.V1.CampaignState.Expanded,
        CampaignStates.Rejected => Contracts.V1.CampaignState.Rejected,
        CampaignStates.Cancelled => Contracts.V1.CampaignState.Cancelled,
        _ => Contracts.V1.CampaignState.Unspecified,
    };

    public static Contracts.V1.Campaign ToContract(Campaign c, CampaignProgress? progress = null)
    {
        var view = new Contracts.V1.Campaign
        {
            CampaignId = c.CampaignId,
            Creator = c.Creator,
            State = ToContractState(c.State),
            Reason = c.Reason,
            TicketRef = c.TicketRef,
            MailTitle = c.MailTitle,
            MailBody = c.MailBody,
            ValuePerPlayer = c.ValuePerPlayer,
            UploadedPlayers = c.UploadedPlayers,
            Expanded = c.ExpandedCount,
            Delivered = progress?.Delivered ?? 0,
            Failed = progress?.Failed ?? 0,
            Cancelled = progress?.Cancelled ?? 0,
            ClawedBack = progress?.ClawedBack ?? 0,
            Withdrawn = c.Withdrawn,
            CancelFinishedAt = c.CancelFinishedAt is { } f ? Timestamp.FromDateTimeOffset(f) : null,
            ClawBackDelivered = c.ClawBackDelivered,
            CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt),
            DecidedBy = c.DecidedBy ?? "",
            DecidedAt = c.DecidedAt is { } d ? Timestamp.FromDateTimeOffset(d) : null,
            DecisionReason = c.DecisionReason ?? "",
            ExpandedAt = c.ExpandedAt is { } e ? Timestamp.FromDateTimeOffset(e) : null,
            CancelledBy = c.CancelledBy ?? "",
            CancelReason = c.CancelReason ?? "",
        };
        view.Lines.AddRange(RewardLines.ToContract(RewardLines.FromJson(c.Lines)));
        switch (c.TargetKind)
        {
            case CampaignTargets.GameServers:
                view.GameServers = new GameServersTarget { GameServerIds = { c.TargetGameServers } };
                break;
            case CampaignTargets.IncidentWindow:
                view.IncidentWindow = new IncidentWindowTarget
                {
                    GameServerId = c.TargetGameServers.FirstOrDefault() ?? "",
                    Start = c.WindowStart is { } s ? Timestamp.FromDateTimeOffset(s) : null,
                    End = c.WindowEnd is { } w ? Timestamp.FromDateTimeOffset(w) : null,
                };
                break;
            default:
                view.PlayerList = new PlayerListTarget();
                break;
        }
        return view;
    }
}
