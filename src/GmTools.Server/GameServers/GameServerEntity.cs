using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.GameServers;

/// <summary>A registered game server. Its credential is kept only as a SHA-256 of the secret.</summary>
public sealed class GameServerEntity
{
    public string GameServerId { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Region { get; set; } = "";
    public byte[] CredentialHash { get; set; } = [];
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset CredentialRotatedAt { get; set; }
}

internal sealed class GameServerEntityConfiguration : IEntityTypeConfiguration<GameServerEntity>
{
    public void Configure(EntityTypeBuilder<GameServerEntity> b)
    {
        b.ToTable("game_servers");
        b.HasKey(g => g.GameServerId);
        b.Property(g => g.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(g => g.DisplayName).HasMaxLength(GameServerLimits.DisplayName);
        b.Property(g => g.Region).HasMaxLength(GameServerLimits.Region);
    }
}
