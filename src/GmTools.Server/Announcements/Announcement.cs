using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Announcements;

/// <summary>
/// One announcement. Texts are stored as JSON objects locale → text. <see cref="NextFireAt"/> is kept up to date by
/// every change and every fire (the poller reads only due rows); <see cref="ConsideredThrough"/> is the latest fire
/// already delivered or skipped, so no fire is ever considered twice.
/// </summary>
public sealed class Announcement
{
    public long AnnouncementId { get; set; }
    public string State { get; set; } = AnnouncementStates.Draft;
    public string TextsJson { get; set; } = "{}";
    public string FinalTextsJson { get; set; } = "{}";
    public string Display { get; set; } = AnnouncementDisplays.Marquee;
    public bool AllServers { get; set; }
    public List<string> TargetGameServers { get; set; } = [];
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public TimeSpan? RepeatInterval { get; set; }
    public int Priority { get; set; }
    public DateTimeOffset? MaintenanceAt { get; set; }
    public List<int> CountdownOffsets { get; set; } = [];
    public string Author { get; set; } = "";
    public string? Approver { get; set; }
    public string DecisionReason { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public DateTimeOffset? ConsideredThrough { get; set; }
    public DateTimeOffset? NextFireAt { get; set; }
}

internal sealed class AnnouncementConfiguration : IEntityTypeConfiguration<Announcement>
{
    public void Configure(EntityTypeBuilder<Announcement> b)
    {
        b.ToTable("announcements");
        b.HasKey(a => a.AnnouncementId);
        b.Property(a => a.State).HasMaxLength(AnnouncementLimits.State);
        b.Property(a => a.TextsJson).HasColumnName("texts").HasColumnType("jsonb");
        b.Property(a => a.FinalTextsJson).HasColumnName("final_texts").HasColumnType("jsonb");
        b.Property(a => a.Display).HasMaxLength(AnnouncementLimits.Display);
        b.Property(a => a.Author).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.Approver).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.DecisionReason).HasMaxLength(AnnouncementLimits.Reason);
        // The poller's read: published rows whose next fire has come.
        b.HasIndex(a => a.NextFireAt).HasFilter("state = 'published'").HasDatabaseName("ix_announcements_due");
        b.HasIndex(a => a.TargetGameServers).HasMethod("gin");
    }
}
