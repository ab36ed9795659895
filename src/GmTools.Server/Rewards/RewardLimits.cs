using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players;

namespace GmTools.Server.Rewards;

/// <summary>Every string and collection bound of Rewards: the edge validation and the EF columns both use these.</summary>
public static class RewardLimits
{
    public const int Reason = 500;
    public const int TicketRef = 64;
    public const int MailTitle = 100;
    public const int MailBody = 2000;
    /// <summary>Why a grant went to the approval inbox ("over the per-day limit").</summary>
    public const int ApprovalReason = 100;
    /// <summary>A grant's key, unique per requester for as long as the grant exists.</summary>
    public const int IdempotencyKey = IdempotencyRecord.KeyMax;
    /// <summary>The longest stored grant or campaign state ("pending_approval").</summary>
    public const int State = 24;
    /// <summary>The longest stored campaign target kind ("incident_window").</summary>
    public const int TargetKind = 24;
    /// <summary>An expansion or cancel cursor: the last player id whose chunk committed.</summary>
    public const int Cursor = PlayerLimits.PlayerId;
    public const int MaxCampaignServers = 100;

    /// <summary>A catalogue item id: letters, digits, '.', '_' or '-' (<see cref="CatalogueRules.IsValidItemId"/>).</summary>
    public const int ItemId = 64;
    public const int ItemName = 100;
    /// <summary>The longest stored item kind ("currency").</summary>
    public const int ItemKind = 16;
}
