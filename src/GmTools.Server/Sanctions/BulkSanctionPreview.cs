using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Sanctions;

/// <summary>
/// A previewed bulk sanction: the token is bound to the requester and to a hash of the exact content, so an
/// execution with a changed list (or by someone else) cannot reuse it.
/// </summary>
public sealed class BulkSanctionPreview
{
    public string Token { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public byte[] ContentHash { get; set; } = [];
    public int PlayerCount { get; set; }
    public bool NeedsApproval { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public string? ApprovedBy { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
    public DateTimeOffset? ExecutedAt { get; set; }
}

internal sealed class BulkSanctionPreviewConfiguration : IEntityTypeConfiguration<BulkSanctionPreview>
{
    public void Configure(EntityTypeBuilder<BulkSanctionPreview> b)
    {
        b.ToTable("sanction_bulk_previews");
        b.HasKey(p => p.Token);
        b.Property(p => p.Token).HasMaxLength(SanctionLimits.BulkToken);
        b.Property(p => p.RequestedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(p => p.ApprovedBy).HasMaxLength(CommonLimits.ActorId);
    }
}
