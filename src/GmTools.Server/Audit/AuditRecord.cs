using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Audit;

/// <summary>One line of the append-only audit trail. Written only by <see cref="AuditWriter"/>.</summary>
public sealed class AuditRecord
{
    public long Sequence { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string Actor { get; set; } = "";
    public string ActorRole { get; set; } = "";
    public string Action { get; set; } = "";
    public string TargetType { get; set; } = "";
    public string TargetId { get; set; } = "";
    public string? PlayerId { get; set; }
    public string? GameServerId { get; set; }
    public string Reason { get; set; } = "";
    public string TicketRef { get; set; } = "";
    public string RequestId { get; set; } = "";
    public string Outcome { get; set; } = "";
    /// <summary>JSON text, stored as PostgreSQL json (not jsonb) so the bytes that were hashed are the bytes kept.</summary>
    public string Change { get; set; } = "{}";
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>The single row that holds the chain's tip; locking it serializes appends.</summary>
public sealed class AuditChainHead
{
    public int Id { get; set; }
    public long LastSequence { get; set; }
    public string LastHash { get; set; } = "";
}

internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>, IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditRecord> b)
    {
        b.ToTable("audit_records");
        b.HasKey(r => r.Sequence);
        b.Property(r => r.Sequence).ValueGeneratedNever();
        b.Property(r => r.Change).HasColumnType("json");
        b.Property(r => r.Hash).HasMaxLength(CommonLimits.Sha256Hex);
        b.Property(r => r.PrevHash).HasMaxLength(CommonLimits.Sha256Hex);
        b.HasIndex(r => new { r.Actor, r.Sequence });
        b.HasIndex(r => new { r.PlayerId, r.Sequence });
        b.HasIndex(r => new { r.Action, r.Sequence });
        b.HasIndex(r => r.OccurredAt);
    }

    public void Configure(EntityTypeBuilder<AuditChainHead> b)
    {
        b.ToTable("audit_chain_head");
        b.HasKey(h => h.Id);
        b.Property(h => h.Id).ValueGeneratedNever();
        b.HasData(new AuditChainHead { Id = 1, LastSequence = 0, LastHash = AuditChain.GenesisHash });
    }
}
