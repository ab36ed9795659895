using GmTools.Server.GameServers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.GameLink;

/// <summary>
/// One command waiting for (or delivered to) one game server. Rows are kept after acknowledgement: they are
/// the delivery record that grants and sanctions show ("delivered", "failed: inventory full").
/// </summary>
public sealed class OutboxCommand
{
    /// <summary>
    /// Drawn by the database when the row is inserted: the inserting transaction's write order, then its own count
    /// (see <c>Persistence/Sql/write_order.sql</c>). Increasing per game server in the order commands are delivered.
    /// </summary>
    public long CommandId { get; set; }
    public string GameServerId { get; set; } = "";
    /// <summary>The GameCommand body's case name (kick, mute, mail_reward, ...), for queries and dashboards.</summary>
    public string Kind { get; set; } = "";
    /// <summary>The GameCommand serialized with protobuf, without its id and times (those come from the row).</summary>
    public byte[] Body { get; set; } = [];
    /// <summary>What caused it, e.g. "sanction:42" or "grant:7:p1001"; capabilities look their delivery state up by it.</summary>
    public string? CorrelationId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastSentAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? AckedAt { get; set; }
    /// <summary>null while pending; one of <see cref="OutboxOutcomes"/>.</summary>
    public string? Outcome { get; set; }
    public string? FailureReason { get; set; }

    /// <summary>
    /// Set when the capability took the command back (<see cref="CommandWithdrawals"/>). A withdrawn command that
    /// had not been sent is cancelled at once; one that had been sent stays pending until the game server answers.
    /// </summary>
    public DateTimeOffset? WithdrawnAt { get; set; }

    /// <summary>What to send if a withdrawn command turns out applied (a claw-back); queued by the ack that says so.</summary>
    public string? CompensationKind { get; set; }
    public byte[]? CompensationBody { get; set; }
    public string? CompensationCorrelation { get; set; }
}

/// <summary>The stored outcomes of outbox rows, in one place.</summary>
public static class OutboxOutcomes
{
    public const string Applied = "applied";
    public const string Failed = "failed";
    public const string Expired = "expired";
    /// <summary>Withdrawn before it was sent, or withdrawn and answered "not applied" by the game server.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// Per game server, the highest id of a withdrawable command (<see cref="CommandOutbox.IsWithdrawable"/>) ever handed
/// to it, written durably before the command goes out. A withdrawal compares against it under a row lock, so it
/// knows whether the game server may have the command (then only its answer decides) or certainly has not.
/// </summary>
public sealed class SentMark
{
    public string GameServerId { get; set; } = "";
    public long SentThrough { get; set; }
}

internal sealed class OutboxCommandConfiguration : IEntityTypeConfiguration<OutboxCommand>
{
    public void Configure(EntityTypeBuilder<OutboxCommand> b)
    {
        b.ToTable("gamelink_outbox");
        b.HasKey(c => c.CommandId);
        // Ids follow write order (transaction id, then insertion) without a lock: see Persistence/Sql/write_order.sql.
        b.Property(c => c.CommandId).ValueGeneratedOnAdd().HasDefaultValueSql("gm_next_command_id()");
        b.Property(c => c.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.Kind).HasMaxLength(GameLinkLimits.CommandKind);
        b.Property(c => c.CorrelationId).HasMaxLength(GameLinkLimits.CorrelationId);
        b.Property(c => c.Outcome).HasMaxLength(GameLinkLimits.Outcome);
        b.Property(c => c.FailureReason).HasMaxLength(GameLinkLimits.FailureReason);
        // The delivery loop reads "pending for this game server, in id order"; acked rows drop out of the index.
        b.HasIndex(c => new { c.GameServerId, c.CommandId }).HasFilter("outcome IS NULL").HasDatabaseName("ix_gamelink_outbox_pending");
        b.HasIndex(c => c.CorrelationId);
        b.Property(c => c.CompensationKind).HasMaxLength(GameLinkLimits.CommandKind);
        b.Property(c => c.CompensationCorrelation).HasMaxLength(GameLinkLimits.CorrelationId);
        // The purge removes settled rows by age.
        b.HasIndex(c => c.AckedAt).HasFilter("outcome IS NOT NULL").HasDatabaseName("ix_gamelink_outbox_settled");
    }
}

internal sealed class SentMarkConfiguration : IEntityTypeConfiguration<SentMark>
{
    public void Configure(EntityTypeBuilder<SentMark> b)
    {
        b.ToTable("gamelink_sent_marks");
        b.HasKey(m => m.GameServerId);
        b.Property(m => m.GameServerId).HasMaxLength(GameServerIds.MaxLength);
    }
}
