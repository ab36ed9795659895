using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Anomalies;

/// <summary>Stored case states.</summary>
public static class AnomalyCaseStates
{
    public const string Open = "open";
    public const string Claimed = "claimed";
    public const string Confirmed = "confirmed";
    public const string Dismissed = "dismissed";
    /// <summary>A threshold banned at once; the case is the record of that automatic action (closed from the start).</summary>
    public const string AutoBanned = "auto_banned";

    public static readonly string[] Waiting = [Open, Claimed];
}

/// <summary>
/// A review case: one player, one kind, the reports that crossed a threshold (and those that arrive while it is
/// open). At most one waiting case per player and kind (a partial unique index), which is what makes "a threshold
/// opens exactly one case" hold across replicas even before the policy's advisory lock.
/// </summary>
public sealed class AnomalyCase : IClaimable
{
    public long CaseId { get; set; }
    public string PlayerId { get; set; } = "";
    /// <summary>Where the player lived when the case opened (scope).</summary>
    public string GameServerId { get; set; } = "";
    public string Kind { get; set; } = "";
    /// <summary>The most severe report's severity.</summary>
    public string Severity { get; set; } = "";
    /// <summary><see cref="AnomalySeverities.Rank"/> of <see cref="Severity"/>: the queue's first order.</summary>
    public int SeverityRank { get; set; }
    public string State { get; set; } = AnomalyCaseStates.Open;
    public DateTimeOffset OpenedAt { get; set; }
    /// <summary>The threshold that opened it, e.g. "3 within 00:10:00 (medium+)".</summary>
    public string Trigger { get; set; } = "";
    public int ReportCount { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string DecisionNote { get; set; } = "";
    public long? SanctionId { get; set; }
    public string? BulkToken { get; set; }
}

internal sealed class AnomalyCaseConfiguration : IEntityTypeConfiguration<AnomalyCase>
{
    public void Configure(EntityTypeBuilder<AnomalyCase> b)
    {
        b.ToTable("anomaly_cases");
        b.HasKey(c => c.CaseId);
        b.Property(c => c.CaseId).UseIdentityAlwaysColumn();
        b.Property(c => c.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(c => c.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.Kind).HasMaxLength(AnomalyLimits.KindName);
        b.Property(c => c.Severity).HasMaxLength(AnomalyLimits.Name);
        b.Property(c => c.State).HasMaxLength(AnomalyLimits.Name);
        b.Property(c => c.Trigger).HasMaxLength(AnomalyLimits.Trigger);
        b.Property(c => c.ClaimedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.DecisionNote).HasMaxLength(AnomalyLimits.Note);
        b.Property(c => c.BulkToken).HasMaxLength(Sanctions.SanctionLimits.BulkToken);
        b.HasIndex(c => new { c.PlayerId, c.Kind }).IsUnique()
            .HasFilter($"state IN ('{AnomalyCaseStates.Open}', '{AnomalyCaseStates.Claimed}')").HasDatabaseName("ux_anomaly_cases_waiting");
        // The queue: by severity and age, per game server.
        b.HasIndex(c => new { c.State, c.SeverityRank, c.OpenedAt });
        b.HasIndex(c => new { c.Kind, c.OpenedAt });
    }
}
