using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Anomalies;

/// <summary>A GM's note on a case (append-only).</summary>
public sealed class AnomalyCaseNoteEntity
{
    public long NoteId { get; set; }
    public long CaseId { get; set; }
    public string Author { get; set; } = "";
    public DateTimeOffset AddedAt { get; set; }
    public string Text { get; set; } = "";
}

internal sealed class AnomalyCaseNoteConfiguration : IEntityTypeConfiguration<AnomalyCaseNoteEntity>
{
    public void Configure(EntityTypeBuilder<AnomalyCaseNoteEntity> b)
    {
        b.ToTable("anomaly_case_notes");
        b.HasKey(n => n.NoteId);
        b.Property(n => n.NoteId).UseIdentityAlwaysColumn();
        b.Property(n => n.Author).HasMaxLength(CommonLimits.ActorId);
        b.Property(n => n.Text).HasMaxLength(AnomalyLimits.Note);
        b.HasIndex(n => n.CaseId);
    }
}
