using GmTools.Server.GameServers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.GameLink;

/// <summary>
/// One row per game server: who holds its stream (the lease), and when it was last heard from. The stream lease
/// is what makes delivery safe with several replicas: only the session whose id is in <see cref="SessionId"/>
/// may send that game server's commands, and a new hello overwrites it (the newest stream wins).
/// </summary>
public sealed class GameLinkRecord
{
    public string GameServerId { get; set; } = "";
    public Guid? SessionId { get; set; }
    public string? ReplicaId { get; set; }
    public DateTimeOffset? ConnectedAt { get; set; }
    /// <summary>When the stream was claimed; afterwards its replica's <see cref="GameLinkReplica.LastSeenAt"/> says it is alive.</summary>
    public DateTimeOffset? LastSeenAt { get; set; }
    public DateTimeOffset? DisconnectedAt { get; set; }
    public DateTimeOffset? LastPullAt { get; set; }
    public DateTimeOffset? LastAckAt { get; set; }
}

/// <summary>
/// One row per replica that holds streams, renewed once per sweep interval for all of them: a stale row means the
/// replica is gone and so are its streams. (A row per stream would cost one write per stream per interval.)
/// </summary>
public sealed class GameLinkReplica
{
    public string ReplicaId { get; set; } = "";
    public DateTimeOffset LastSeenAt { get; set; }
}

internal sealed class GameLinkReplicaConfiguration : IEntityTypeConfiguration<GameLinkReplica>
{
    public void Configure(EntityTypeBuilder<GameLinkReplica> b)
    {
        b.ToTable("gamelink_replicas");
        b.HasKey(r => r.ReplicaId);
        b.Property(r => r.ReplicaId).HasMaxLength(GameLinkLimits.ReplicaId);
    }
}

internal sealed class GameLinkRecordConfiguration : IEntityTypeConfiguration<GameLinkRecord>
{
    public void Configure(EntityTypeBuilder<GameLinkRecord> b)
    {
        b.ToTable("gamelink_links");
        b.HasKey(l => l.GameServerId);
        b.Property(l => l.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(l => l.ReplicaId).HasMaxLength(GameLinkLimits.ReplicaId);
    }
}
