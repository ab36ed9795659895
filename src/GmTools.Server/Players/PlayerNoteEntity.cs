using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Players;

/// <summary>What an agent wants the next colleague to know about a player. Notes are never edited or deleted.</summary>
public sealed class PlayerNoteEntity
{
    public long NoteId { get; set; }
    public string PlayerId { get; set; } = "";
    /// <summary>"contact_preference", "complaint_summary" or "other".</summary>
    public string Kind { get; set; } = "";
    public string Text { get; set; } = "";
    public string TicketRef { get; set; } = "";
    public string Author { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PlayerNoteEntityConfiguration : IEntityTypeConfiguration<PlayerNoteEntity>
{
    public void Configure(EntityTypeBuilder<PlayerNoteEntity> b)
    {
        b.ToTable("player_notes");
        b.HasKey(n => n.NoteId);
        b.Property(n => n.NoteId).UseIdentityAlwaysColumn();
        b.Property(n => n.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(n => n.Kind).HasMaxLength(PlayerLimits.NoteKind);
        b.Property(n => n.Text).HasMaxLength(PlayerLimits.NoteText);
        b.Property(n => n.TicketRef).HasMaxLength(PlayerLimits.NoteTicketRef);
        b.Property(n => n.Author).HasMaxLength(CommonLimits.ActorId);
        b.HasIndex(n => new { n.PlayerId, n.NoteId });
    }
}
