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
    /// <summary>null while pending; "applied", "failed" (the game server said why) or "expired".</summary>
    public string? Outcome { get; set; }
    public string? FailureReason { get; set; }
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
    }
}
