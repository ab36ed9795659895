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

    // The content, kept so an approver reads exactly what is approved (GetBulkSanction) and is checked against it.
    public string Kind { get; set; } = "";
    /// <summary>Null: every game server.</summary>
    public string? ScopeGameServerId { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public TimeSpan? EndDuration { get; set; }
    public bool EndPermanent { get; set; }
    public string ReasonCode { get; set; } = "";
    public string Reason { get; set; } = "";
    public string TicketRef { get; set; } = "";
    /// <summary>As requested, de-duplicated (players the requester could not see included: they are skipped on execute).</summary>
    public List<string> PlayerIds { get; set; } = [];
    /// <summary>The home servers of the players found at preview time.</summary>
    public List<string> PlayerGameServerIds { get; set; } = [];
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
        b.Property(p => p.Kind).HasMaxLength(SanctionLimits.Kind);
        b.Property(p => p.ScopeGameServerId).HasMaxLength(GameServers.GameServerIds.MaxLength);
        b.Property(p => p.ReasonCode).HasMaxLength(SanctionLimits.ReasonCode);
        b.Property(p => p.Reason).HasMaxLength(SanctionLimits.Reason);
        b.Property(p => p.TicketRef).HasMaxLength(SanctionLimits.TicketRef);
        // The pending queue (ListBulkSanctions): not executed yet, newest first.
        b.HasIndex(p => new { p.CreatedAt, p.Token }).HasFilter("executed_at IS NULL");
    }
}
