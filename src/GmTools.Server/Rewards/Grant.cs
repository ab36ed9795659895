using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Rewards;

public static class GrantStates
{
    public const string PendingApproval = "pending_approval";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Revoked = "revoked";
}

/// <summary>
/// A grant of items to a few players. The idempotency key is stored with it, unique per requester, for as
/// long as the grant exists: a retry finds the grant, a concurrent duplicate loses on the unique index.
/// </summary>
public sealed class Grant
{
    public long GrantId { get; set; }
    public string Requester { get; set; } = "";
    public string IdempotencyKey { get; set; } = "";
    /// <summary>SHA-256 of the canonical request (see <see cref="GrantRequestHash"/>): tells a retry from a conflicting reuse.</summary>
    public byte[] RequestHash { get; set; } = [];
    public string State { get; set; } = GrantStates.PendingApproval;
    /// <summary>The reward lines as JSON ([{"itemId":..,"count":..}]).</summary>
    public string Lines { get; set; } = "[]";
    public string Reason { get; set; } = "";
    public string TicketRef { get; set; } = "";
    public string MailTitle { get; set; } = "";
    public string MailBody { get; set; } = "";
    public long TotalValue { get; set; }
    /// <summary>True when approved at once within the requester's own limits: only these count against the per-day limit.</summary>
    public bool WithinOwnLimit { get; set; }
    public string ApprovalReason { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionReason { get; set; }
    public string? RevokedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokeReason { get; set; }
    /// <summary>The player case it was made from (Cases lists it there); checked by Cases.CaseReferences.</summary>
    public long? CaseId { get; set; }

    public List<GrantRecipient> Recipients { get; set; } = [];
}

public sealed class GrantRecipient
{
    public long GrantId { get; set; }
    public string PlayerId { get; set; } = "";
    /// <summary>Where the player lived when the grant was made: the mail goes to that game server.</summary>
    public string GameServerId { get; set; } = "";
}

internal sealed class GrantConfiguration : IEntityTypeConfiguration<Grant>
{
    public void Configure(EntityTypeBuilder<Grant> b)
    {
        b.ToTable("grants");
        b.HasKey(g => g.GrantId);
        b.Property(g => g.GrantId).UseIdentityAlwaysColumn();
        b.Property(g => g.Requester).HasMaxLength(CommonLimits.ActorId);
        b.Property(g => g.IdempotencyKey).HasMaxLength(RewardLimits.IdempotencyKey);
        b.Property(g => g.State).HasMaxLength(RewardLimits.State);
        b.Property(g => g.Lines).HasColumnType("jsonb");
        b.Property(g => g.Reason).HasMaxLength(RewardLimits.Reason);
        b.Property(g => g.TicketRef).HasMaxLength(RewardLimits.TicketRef);
        b.Property(g => g.MailTitle).HasMaxLength(RewardLimits.MailTitle);
        b.Property(g => g.MailBody).HasMaxLength(RewardLimits.MailBody);
        b.Property(g => g.ApprovalReason).HasMaxLength(RewardLimits.ApprovalReason);
        b.Property(g => g.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(g => g.DecisionReason).HasMaxLength(RewardLimits.Reason);
        b.Property(g => g.RevokedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(g => g.RevokeReason).HasMaxLength(RewardLimits.Reason);
        b.HasIndex(g => new { g.Requester, g.IdempotencyKey }).IsUnique().HasDatabaseName(GrantConfigurationNames.IdempotencyIndex);
        // The per-day limit sums a requester's grants of one UTC day.
        b.HasIndex(g => new { g.Requester, g.CreatedAt });
        b.HasIndex(g => new { g.State, g.GrantId });
        // A case lists the grants made from it.
        b.HasIndex(g => g.CaseId).HasFilter("case_id IS NOT NULL");
        b.HasMany(g => g.Recipients).WithOne().HasForeignKey(r => r.GrantId);
    }
}

internal static class GrantConfigurationNames
{
    public const string IdempotencyIndex = "ux_grants_requester_idempotency_key";
}

internal sealed class GrantRecipientConfiguration : IEntityTypeConfiguration<GrantRecipient>
{
    public void Configure(EntityTypeBuilder<GrantRecipient> b)
    {
        b.ToTable("grant_recipients");
        b.HasKey(r => new { r.GrantId, r.PlayerId });
        b.Property(r => r.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(r => r.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.HasIndex(r => new { r.PlayerId, r.GrantId });
    }
}
