using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Anomalies;

/// <summary>
/// One report as a game server sent it: the record (PostgreSQL), never changed after intake except for the case it
/// is attached to. (game server, report id) is unique, which is what makes a replayed report count once.
/// </summary>
public sealed class AnomalyReport
{
    public long AnomalyId { get; set; }
    public string GameServerId { get; set; } = "";
    public string ReportId { get; set; } = "";
    public string PlayerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public long KindVersion { get; set; }
    public string Severity { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>The evidence JSON object (jsonb).</summary>
    public string Evidence { get; set; } = "{}";
    public List<string> RelatedPlayerIds { get; set; } = [];
    public string Summary { get; set; } = "";
    /// <summary>The intake call's request id, as in its (one per batch) audit record.</summary>
    public string RequestId { get; set; } = "";
    /// <summary>The case (review or automatic action) that took this report; null while it counts toward thresholds.</summary>
    public long? CaseId { get; set; }
}

internal sealed class AnomalyReportConfiguration : IEntityTypeConfiguration<AnomalyReport>
{
    public void Configure(EntityTypeBuilder<AnomalyReport> b)
    {
        b.ToTable("anomaly_reports");
        b.HasKey(r => r.AnomalyId);
        b.Property(r => r.AnomalyId).UseIdentityAlwaysColumn();
        b.Property(r => r.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(r => r.ReportId).HasMaxLength(AnomalyLimits.ReportId);
        b.Property(r => r.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(r => r.Kind).HasMaxLength(AnomalyLimits.KindName);
        b.Property(r => r.Severity).HasMaxLength(AnomalyLimits.Name);
        b.Property(r => r.Evidence).HasColumnType("jsonb");
        b.Property(r => r.Summary).HasMaxLength(AnomalyLimits.Summary);
        b.Property(r => r.RequestId).HasMaxLength(CommonLimits.ActorId);
        b.HasIndex(r => new { r.GameServerId, r.ReportId }).IsUnique();
        // Counting a player's reports of a kind within a window (the record, when Redis is gone) and the dossier.
        b.HasIndex(r => new { r.PlayerId, r.Kind, r.OccurredAt });
        // Statistics per kind and day.
        b.HasIndex(r => new { r.Kind, r.ReceivedAt });
        b.HasIndex(r => r.CaseId);
        // Rings: the reports that name a player as related.
        b.HasIndex(r => r.RelatedPlayerIds).HasMethod("gin");
    }
}
