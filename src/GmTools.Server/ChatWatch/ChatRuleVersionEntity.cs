using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// One published version of the chat rules and policies (<see cref="ChatRulebook"/> as JSON). Versions are never
/// changed or deleted; the highest is in force, and a rollback publishes an earlier one's content as a new version.
/// </summary>
public sealed class ChatRuleVersionEntity
{
    public long Version { get; set; }
    public string Document { get; set; } = "{}";
    public string Source { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string Note { get; set; } = "";
    public int TermCount { get; set; }
    public long? BasedOn { get; set; }
}

internal sealed class ChatRuleVersionConfiguration : IEntityTypeConfiguration<ChatRuleVersionEntity>
{
    public void Configure(EntityTypeBuilder<ChatRuleVersionEntity> b)
    {
        b.ToTable("chat_rule_versions");
        b.HasKey(v => v.Version);
        b.Property(v => v.Version).ValueGeneratedNever();
        b.Property(v => v.Document).HasColumnType("jsonb");
        b.Property(v => v.Source).HasMaxLength(ChatLimits.Name);
        b.Property(v => v.CreatedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(v => v.Note).HasMaxLength(ChatLimits.Note);
    }
}
