using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Rewards;

public static class CampaignStates
{
    public const string Draft = "draft";
    public const string PendingApproval = "pending_approval";
    public const string Expanding = "expanding";
    public const string Expanded = "expanded";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
}

public static class CampaignTargets
{
    public const string GameServers = "game_servers";
    public const string IncidentWindow = "incident_window";
    public const string PlayerList = "player_list";
}

/// <summary>
/// Compensation for many players at once. Expansion writes one <see cref="CampaignRecipient"/> per player
/// (primary key on campaign and player, so nobody gets it twice) in chunks ordered by player id, and keeps
/// its place in <see cref="Cursor"/> so a restarted job carries on where the last chunk committed.
/// </summary>
public sealed class Campaign
{
    public long CampaignId { get; set; }
    public string Creator { get; set; } = "";
    public string State { get; set; } = CampaignStates.Draft;
    public string Lines { get; set; } = "[]";
    public long ValuePerPlayer { get; set; }
    public string Reason { get; set; } = "";
    public string TicketRef { get; set; } = "";
    public string MailTitle { get; set; } = "";
    public string MailBody { get; set; } = "";
    public string TargetKind { get; set; } = CampaignTargets.GameServers;
    /// <summary>game_servers: the servers; incident_window: the one server.</summary>
    public string[] TargetGameServers { get; set; } = [];
    public DateTimeOffset? WindowStart { get; set; }
    public DateTimeOffset? WindowEnd { get; set; }
    public long UploadedPlayers { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionReason { get; set; }
    /// <summary>The last player id whose chunk committed; expansion resumes after it.</summary>
    public string Cursor { get; set; } = "";
    public long ExpandedCount { get; set; }
    public DateTimeOffset? ExpandedAt { get; set; }
    public string? CancelledBy { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancelReason { get; set; }
    /// <summary>The cancel takes back applied mail too (a ClawBack each).</summary>
    public bool ClawBackDelivered { get; set; }
    /// <summary>The background cancel's place: the last recipient whose mail it withdrew.</summary>
    public string CancelCursor { get; set; } = "";
    public long Withdrawn { get; set; }
    public DateTimeOffset? CancelFinishedAt { get; set; }
}

/// <summary>
/// A campaign's delivery counters per game server, kept by a trigger on gamelink_outbox as outcomes change
/// (Persistence/Sql/campaign_progress.sql): reading progress costs a few rows, whatever the campaign's size.
/// One row per game server, so the acks of different game servers never wait for each other.
/// </summary>
public sealed class CampaignProgressRow
{
    public long CampaignId { get; set; }
    public string GameServerId { get; set; } = "";
    public long Delivered { get; set; }
    public long Failed { get; set; }
    public long Cancelled { get; set; }
    public long ClawedBack { get; set; }
}

public sealed class CampaignRecipient
{
    public long CampaignId { get; set; }
    public string PlayerId { get; set; } = "";
    public string GameServerId { get; set; } = "";
    /// <summary>The outbox row that carries this player's mail: progress and cancel join on it.</summary>
    public long CommandId { get; set; }
    /// <summary>
    /// The mail's outcome, copied when the outbox purge removes its settled row (a delete trigger,
    /// Persistence/Sql/campaign_recipient_outcomes.sql); null while the row is still there.
    /// </summary>
    public string? SettledOutcome { get; set; }
}

/// <summary>An id uploaded for a player-list campaign, before expansion.</summary>
public sealed class CampaignUploadedPlayer
{
    public long CampaignId { get; set; }
    public string PlayerId { get; set; } = "";
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> b)
    {
        b.ToTable("campaigns");
        b.HasKey(c => c.CampaignId);
        b.Property(c => c.CampaignId).UseIdentityAlwaysColumn();
        b.Property(c => c.Creator).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.State).HasMaxLength(RewardLimits.State);
        b.Property(c => c.Lines).HasColumnType("jsonb");
        b.Property(c => c.Reason).HasMaxLength(RewardLimits.Reason);
        b.Property(c => c.TicketRef).HasMaxLength(RewardLimits.TicketRef);
        b.Property(c => c.MailTitle).HasMaxLength(RewardLimits.MailTitle);
        b.Property(c => c.MailBody).HasMaxLength(RewardLimits.MailBody);
        b.Property(c => c.TargetKind).HasMaxLength(RewardLimits.TargetKind);
        b.Property(c => c.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.DecisionReason).HasMaxLength(RewardLimits.Reason);
        b.Property(c => c.Cursor).HasMaxLength(RewardLimits.Cursor);
        b.Property(c => c.CancelledBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.CancelReason).HasMaxLength(RewardLimits.Reason);
        b.Property(c => c.CancelCursor).HasMaxLength(RewardLimits.Cursor);
        b.HasIndex(c => new { c.State, c.CampaignId });
    }
}

internal sealed class CampaignProgressConfiguration : IEntityTypeConfiguration<CampaignProgressRow>
{
    public void Configure(EntityTypeBuilder<CampaignProgressRow> b)
    {
        b.ToTable("campaign_progress");
        b.HasKey(p => new { p.CampaignId, p.GameServerId });
        b.Property(p => p.GameServerId).HasMaxLength(GameServerIds.MaxLength);
    }
}

internal sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> b)
    {
        b.ToTable("campaign_recipients");
        b.HasKey(r => new { r.CampaignId, r.PlayerId });
        b.Property(r => r.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(r => r.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(r => r.SettledOutcome).HasMaxLength(GameLinkLimits.Outcome);
    }
}

internal sealed class CampaignUploadedPlayerConfiguration : IEntityTypeConfiguration<CampaignUploadedPlayer>
{
    public void Configure(EntityTypeBuilder<CampaignUploadedPlayer> b)
    {
        b.ToTable("campaign_uploaded_players");
        b.HasKey(r => new { r.CampaignId, r.PlayerId });
        b.Property(r => r.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
    }
}
