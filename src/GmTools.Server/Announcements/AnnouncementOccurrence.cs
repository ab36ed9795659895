using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Announcements;

/// <summary>
/// One fire of one announcement. The key (announcement, occurs_at) is what makes a fire happen once: two replicas
/// racing for the same occurrence cannot both insert it, and the show commands go in the same transaction.
/// </summary>
public sealed class AnnouncementOccurrence
{
    public long AnnouncementId { get; set; }
    public DateTimeOffset OccursAt { get; set; }
    public string Outcome { get; set; } = OccurrenceOutcomes.Delivered;
    /// <summary>null: a plain show; 0: the countdown's final notice; n: "n minutes left".</summary>
    public int? MinutesLeft { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public List<string> GameServerIds { get; set; } = [];
}

internal sealed class AnnouncementOccurrenceConfiguration : IEntityTypeConfiguration<AnnouncementOccurrence>
{
    public void Configure(EntityTypeBuilder<AnnouncementOccurrence> b)
    {
        b.ToTable("announcement_occurrences");
        b.HasKey(o => new { o.AnnouncementId, o.OccursAt });
        b.Property(o => o.Outcome).HasMaxLength(AnnouncementLimits.Outcome);
        b.HasOne<Announcement>().WithMany().HasForeignKey(o => o.AnnouncementId).OnDelete(DeleteBehavior.Cascade);
    }
}
