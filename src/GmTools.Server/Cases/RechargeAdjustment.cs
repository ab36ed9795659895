using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Cases;

/// <summary>The stored states of a recharge adjustment.</summary>
public static class RechargeAdjustmentStates
{
    public const string PendingApproval = "pending_approval";
    public const string Sent = "sent";
    public const string Applied = "applied";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
}

/// <summary>
/// 充值调帐: a recharge the player paid for that never arrived, credited through a CreditRecharge command. One per
/// payment reference (a partial unique index; a rejected adjustment frees its reference). The game server's answer
/// settles it in the ack's own transaction (a trigger, Persistence/Sql/case_recharge_credits.sql): applied adds the
/// amount to the player's recharge_total, once, whatever the number of acks.
/// </summary>
public sealed class RechargeAdjustment
{
    public long AdjustmentId { get; set; }
    public long CaseId { get; set; }
    public string PlayerId { get; set; } = "";
    /// <summary>The case's game server: the adjustment's scope.</summary>
    public string GameServerId { get; set; } = "";
    public string PaymentReference { get; set; } = "";
    public long Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Reason { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public DateTimeOffset RequestedAt { get; set; }
    public string State { get; set; } = RechargeAdjustmentStates.PendingApproval;
    public bool ApprovalRequired { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionReason { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>The game server the command went to (the player's home when it was sent).</summary>
    public string? SentTo { get; set; }
    /// <summary>Set by the ack trigger.</summary>
    public DateTimeOffset? SettledAt { get; set; }
    public string? FailureReason { get; set; }
}

internal sealed class RechargeAdjustmentConfiguration : IEntityTypeConfiguration<RechargeAdjustment>
{
    public void Configure(EntityTypeBuilder<RechargeAdjustment> b)
    {
        b.ToTable("recharge_adjustments");
        b.HasKey(a => a.AdjustmentId);
        b.Property(a => a.AdjustmentId).UseIdentityAlwaysColumn();
        b.Property(a => a.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(a => a.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(a => a.PaymentReference).HasMaxLength(CaseLimits.RecordField);
        b.Property(a => a.Currency).HasMaxLength(CaseLimits.Currency);
        b.Property(a => a.Reason).HasMaxLength(CaseLimits.Reason);
        b.Property(a => a.RequestedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.State).HasMaxLength(CaseLimits.State);
        b.Property(a => a.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.DecisionReason).HasMaxLength(CaseLimits.Reason);
        b.Property(a => a.SentTo).HasMaxLength(GameServerIds.MaxLength);
        b.Property(a => a.FailureReason).HasMaxLength(CaseLimits.Reason);
        // Exactly once per payment reference, whoever asks and however often.
        b.HasIndex(a => a.PaymentReference).IsUnique().HasFilter("state <> 'rejected'").HasDatabaseName(RechargeAdjustmentNames.ReferenceIndex);
        b.HasIndex(a => new { a.CaseId, a.AdjustmentId });
        b.HasIndex(a => new { a.State, a.AdjustmentId });
        b.HasOne<PlayerCase>().WithMany().HasForeignKey(a => a.CaseId);
    }
}

internal static class RechargeAdjustmentNames
{
    public const string ReferenceIndex = "ux_recharge_adjustments_payment_reference";

    /// <summary>The outbox correlation of an adjustment's CreditRecharge; the ack trigger matches on it.</summary>
    public static string Correlation(long adjustmentId) => "recharge:" + adjustmentId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
