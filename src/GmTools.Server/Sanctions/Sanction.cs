using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Sanctions;

/// <summary>
/// One mute, ban or kick. Rows are never deleted: a lift fills the lift columns, a changed end rewrites
/// <see cref="EndsAt"/> (the old value is in the audit record). A null <see cref="ScopeGameServerId"/> means all servers.
/// </summary>
public sealed class Sanction
{
    public long SanctionId { get; set; }
    public string PlayerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? ScopeGameServerId { get; set; }
    /// <summary>Where the player lived when it was issued (scoped staff see sanctions by it).</summary>
    public string PlayerGameServerId { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    /// <summary>Null: permanent (mute/ban) or no end at all (kick).</summary>
    public DateTimeOffset? EndsAt { get; set; }
    public string ReasonCode { get; set; } = "";
    public string Reason { get; set; } = "";
    public List<string> EvidenceChatLineIds { get; set; } = [];
    public List<string> EvidenceAnomalyReportIds { get; set; } = [];
    public string TicketRef { get; set; } = "";
    public string IssuedBy { get; set; } = "";
    public int LadderStep { get; set; }
    public string OverrideReason { get; set; } = "";
    /// <summary>The bulk action it came from, if any.</summary>
    public string? BulkToken { get; set; }
    /// <summary>A supervisor approved it (an approved bulk action): it does not count on the issuer's guard rail.</summary>
    public string? ApprovedBy { get; set; }
    public DateTimeOffset? LiftedAt { get; set; }
    public string? LiftedBy { get; set; }
    public string? LiftReason { get; set; }
    public bool LiftedAsWrongful { get; set; }
    /// <summary>The player case the lift was made from (Cases lists it there); checked by Cases.CaseReferences.</summary>
    public long? LiftCaseId { get; set; }

    public bool IsPermanent => EndsAt is null && Kind != SanctionKinds.Kick;

    public bool IsActiveAt(DateTimeOffset now) =>
        Kind != SanctionKinds.Kick && LiftedAt is null && (EndsAt is null || EndsAt > now);
}

internal sealed class SanctionConfiguration : IEntityTypeConfiguration<Sanction>
{
    public void Configure(EntityTypeBuilder<Sanction> b)
    {
        b.ToTable("sanctions");
        b.HasKey(s => s.SanctionId);
        // By default, not always: the desk reserves the id from the sequence so one batch writes the sanction and
        // the commands and audit record that carry its id (SanctionIds).
        b.Property(s => s.SanctionId).UseIdentityByDefaultColumn();
        b.Property(s => s.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(s => s.Kind).HasMaxLength(SanctionLimits.Kind);
        b.Property(s => s.ScopeGameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(s => s.PlayerGameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(s => s.ReasonCode).HasMaxLength(SanctionLimits.ReasonCode);
        b.Property(s => s.Reason).HasMaxLength(SanctionLimits.Reason);
        b.Property(s => s.TicketRef).HasMaxLength(SanctionLimits.TicketRef);
        b.Property(s => s.IssuedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(s => s.OverrideReason).HasMaxLength(SanctionLimits.Reason);
        b.Property(s => s.BulkToken).HasMaxLength(SanctionLimits.BulkToken);
        b.Property(s => s.ApprovedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(s => s.LiftedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(s => s.LiftReason).HasMaxLength(SanctionLimits.Reason);
        // CheckAccess's PostgreSQL path: a player's sanctions still in force.
        b.HasIndex(s => s.PlayerId).HasFilter("lifted_at IS NULL AND kind <> 'kick'").HasDatabaseName("ix_sanctions_in_force");
        b.HasIndex(s => new { s.PlayerId, s.IssuedAt });
        // A case lists the lifts made from it.
        b.HasIndex(s => s.LiftCaseId).HasFilter("lift_case_id IS NOT NULL");
        // The guard rail counts one issuer's last minute.
        b.HasIndex(s => new { s.IssuedBy, s.IssuedAt });
    }
}

public static class SanctionLimits
{
    public const int Reason = 1000;
    public const int TicketRef = 64;
    public const int EvidenceIds = 100;
    public const int EvidenceIdLength = 64;
    public const int Statement = 4000;
    /// <summary>The longest stored kind name ("mute", "ban", "kick").</summary>
    public const int Kind = 8;
    public const int ReasonCode = 64;
    /// <summary>A bulk preview token: 24 random bytes in hex.</summary>
    public const int BulkToken = 64;
    /// <summary>The longest stored appeal state ("overturned").</summary>
    public const int AppealState = 16;
}
