using GmTools.Server.ChatWatch;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Cases;

/// <summary>
/// A hand-made link from a case to something it concerns (LinkCase). What was made from the case (a grant, a lift)
/// is not stored here: those rows carry the case id themselves and the case reads them back.
/// A chat line keeps a copy of its text, because the live view forgets lines that were never flagged.
/// </summary>
public sealed class CaseLink
{
    public long LinkId { get; set; }
    public long CaseId { get; set; }
    public string Kind { get; set; } = "";
    public string ObjectId { get; set; } = "";
    /// <summary>A chat line's game server; empty for the other kinds.</summary>
    public string GameServerId { get; set; } = "";
    public string Note { get; set; } = "";
    public string LinkedBy { get; set; } = "";
    public DateTimeOffset LinkedAt { get; set; }
    /// <summary>A chat line's text when it was linked (evidence that outlives the live view).</summary>
    public string? LineText { get; set; }
    /// <summary>A private line: its text is personal data (shown only with players.read_contact).</summary>
    public bool PrivateLine { get; set; }
}

internal sealed class CaseLinkConfiguration : IEntityTypeConfiguration<CaseLink>
{
    public void Configure(EntityTypeBuilder<CaseLink> b)
    {
        b.ToTable("case_links");
        b.HasKey(l => l.LinkId);
        b.Property(l => l.LinkId).UseIdentityAlwaysColumn();
        b.Property(l => l.Kind).HasMaxLength(CaseLimits.LinkKind);
        b.Property(l => l.ObjectId).HasMaxLength(CaseLimits.LinkObjectId);
        b.Property(l => l.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(l => l.Note).HasMaxLength(CaseLimits.Reason);
        b.Property(l => l.LinkedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(l => l.LineText).HasMaxLength(ChatLimits.Text);
        // One link per object and case: a second LinkCase names the first.
        b.HasIndex(l => new { l.CaseId, l.Kind, l.GameServerId, l.ObjectId }).IsUnique().HasDatabaseName(CaseLinkNames.UniqueIndex);
        // "Which cases concern this sanction / grant": the object's side.
        b.HasIndex(l => new { l.Kind, l.ObjectId });
        b.HasOne<PlayerCase>().WithMany().HasForeignKey(l => l.CaseId);
    }
}

internal static class CaseLinkNames
{
    public const string UniqueIndex = "ux_case_links_object";
}
