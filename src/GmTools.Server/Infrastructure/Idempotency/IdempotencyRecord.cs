using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Infrastructure.Idempotency;

/// <summary>
/// One idempotency key as used: by whom, for which operation, a fingerprint of the content, and the response
/// the first call answered, kept until <see cref="ExpiresAt"/> so a retry gets exactly those bytes back.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int CallerMax = 160;
    public const int OperationMax = 128;
    public const int KeyMax = 128;

    /// <summary>The caller's kind and id ("staff:ada", "game_server:s1"): keys of different callers never collide.</summary>
    public string Caller { get; set; } = "";
    /// <summary>The gRPC method, e.g. "/gmtools.v1.SanctionService/IssueSanction".</summary>
    public string Operation { get; set; } = "";
    public string Key { get; set; } = "";
    /// <summary>SHA-256 of the request message with its key cleared: tells a retry from a reuse for other content.</summary>
    public byte[] RequestHash { get; set; } = [];
    /// <summary>The serialized response of the first call; null only inside the transaction that claimed the key.</summary>
    public byte[]? Response { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_keys");
        b.HasKey(r => new { r.Caller, r.Operation, r.Key });
        b.Property(r => r.Caller).HasMaxLength(IdempotencyRecord.CallerMax);
        b.Property(r => r.Operation).HasMaxLength(IdempotencyRecord.OperationMax);
        b.Property(r => r.Key).HasMaxLength(IdempotencyRecord.KeyMax);
        // The purge job deletes from the oldest expiry on.
        b.HasIndex(r => r.ExpiresAt);
    }
}
