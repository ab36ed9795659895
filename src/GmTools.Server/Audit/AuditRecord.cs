using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Audit;

/// <summary>
/// One line of the append-only audit trail. Written only by <see cref="AuditWriter"/> (everything but the link
/// fields), linked once by <see cref="AuditChainer"/> (sequence, prev_hash, hash, chained_at).
/// </summary>
public sealed class AuditRecord
{
    /// <summary>Write order: (transaction order &lt;&lt; 20) + n, drawn by the database (Persistence/Sql/audit_chain.sql).
    /// Records from before the chainer keep their old sequence, shifted below zero.</summary>
    public long Id { get; set; }

    /// <summary>Place in the hash chain, 1, 2, 3, ...; null until the chainer has linked the record.</summary>
    public long? Sequence { get; set; }

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

    /// <summary>Random, per record: a copy of a record is not the record.</summary>
    public Guid RecordKey { get; set; }

    /// <summary>HMAC of the content with the audit key, made by the writer: content edited or forged before the
    /// chainer links it is still caught. Null only for records from before the chainer.</summary>
    public string? Mac { get; set; }

    public string? PrevHash { get; set; }
    public string? Hash { get; set; }

    /// <summary>When the chainer linked it (database clock); not part of the hash.</summary>
    public DateTimeOffset? ChainedAt { get; set; }
}

/// <summary>The chain's tip, signed; only the chainer writes it.</summary>
public sealed class AuditChainHead
{
    public int Id { get; set; }
    public long LastSequence { get; set; }
    public string LastHash { get; set; } = "";
    public string? Mac { get; set; }
}

/// <summary>A signed statement "record N of the chain has hash H", where an incremental verification may start.</summary>
public sealed class AuditCheckpoint
{
    public long Sequence { get; set; }
    public string Hash { get; set; } = "";
    public DateTimeOffset SignedAt { get; set; }
    public string Mac { get; set; } = "";
}

internal sealed class AuditRecordConfiguration
    : IEntityTypeConfiguration<AuditRecord>, IEntityTypeConfiguration<AuditChainHead>, IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditRecord> b)
    {
        b.ToTable("audit_records");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).HasDefaultValueSql("gm_next_audit_id()");
        b.Property(r => r.Change).HasColumnType("json");
        b.Property(r => r.Hash).HasMaxLength(CommonLimits.Sha256Hex);
        b.Property(r => r.PrevHash).HasMaxLength(CommonLimits.Sha256Hex);
        b.Property(r => r.Mac).HasMaxLength(CommonLimits.Sha256Hex);
        b.HasIndex(r => r.Sequence).IsUnique();
        b.HasIndex(r => r.Mac).IsUnique();
        // The chainer's queue: only records not linked yet, so it stays small whatever the trail's length.
        b.HasIndex(r => r.Id).HasFilter("sequence IS NULL").HasDatabaseName("ix_audit_records_unchained");
        b.HasIndex(r => new { r.Actor, r.Id });
        b.HasIndex(r => new { r.PlayerId, r.Id });
        b.HasIndex(r => new { r.Action, r.Id });
        b.HasIndex(r => r.OccurredAt);
    }

    public void Configure(EntityTypeBuilder<AuditChainHead> b)
    {
        b.ToTable("audit_chain_head");
        b.HasKey(h => h.Id);
        b.Property(h => h.Id).ValueGeneratedNever();
        b.Property(h => h.Mac).HasMaxLength(CommonLimits.Sha256Hex);
        b.HasData(new AuditChainHead { Id = 1, LastSequence = 0, LastHash = AuditChain.GenesisHash });
    }

    public void Configure(EntityTypeBuilder<AuditCheckpoint> b)
    {
        b.ToTable("audit_checkpoints");
        b.HasKey(c => c.Sequence);
        b.Property(c => c.Sequence).ValueGeneratedNever();
        b.Property(c => c.Hash).HasMaxLength(CommonLimits.Sha256Hex);
        b.Property(c => c.Mac).HasMaxLength(CommonLimits.Sha256Hex);
    }
}
