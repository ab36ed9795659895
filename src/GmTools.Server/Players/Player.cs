using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Players;

/// <summary>
/// A player's profile as the game servers last synced it. A player id is unique across the whole game; the
/// game server it lives on is part of the profile. Sync never moves a profile backwards: a row changes
/// only when the incoming <see cref="Version"/> is newer.
/// </summary>
public sealed class Player
{
    public string PlayerId { get; set; } = "";
    public string Account { get; set; } = "";
    public string GameServerId { get; set; } = "";
    public string CharacterName { get; set; } = "";
    public int Level { get; set; }
    public long VipPoints { get; set; }
    /// <summary>Total recharge in the smallest currency unit (cents/fen).</summary>
    public long RechargeTotal { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
    /// <summary>Personal data: reading it is audited.</summary>
    public string Contact { get; set; } = "";
    public bool Online { get; set; }
    public long Version { get; set; }
    public DateTimeOffset SyncedAt { get; set; }
}

internal sealed class PlayerConfiguration : IEntityTypeConfiguration<Player>
{
    public void Configure(EntityTypeBuilder<Player> b)
    {
        b.ToTable("players");
        b.HasKey(p => p.PlayerId);
        b.Property(p => p.PlayerId).HasMaxLength(64);
        b.Property(p => p.Account).HasMaxLength(128);
        b.Property(p => p.GameServerId).HasMaxLength(32);
        b.Property(p => p.CharacterName).HasMaxLength(64);
        b.Property(p => p.Contact).HasMaxLength(256);
        b.HasIndex(p => p.Account);
        b.HasIndex(p => new { p.GameServerId, p.PlayerId });
    }
}
