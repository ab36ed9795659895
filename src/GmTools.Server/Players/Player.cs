using GmTools.Server.GameServers;
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

    /// <summary>
    /// lower(character_name) in byte order (unbounded: lower-casing may lengthen a few characters), computed by PostgreSQL: the key of the case-insensitive
    /// prefix search. Byte ("C") order makes a btree range scan exact for any script, CJK included.
    /// </summary>
    public string CharacterNameKey { get; private set; } = "";

    internal void SetNameKey(string key) => CharacterNameKey = key;
}

internal sealed class PlayerConfiguration : IEntityTypeConfiguration<Player>
{
    public void Configure(EntityTypeBuilder<Player> b)
    {
        b.ToTable("players");
        b.HasKey(p => p.PlayerId);
        b.Property(p => p.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(p => p.Account).HasMaxLength(PlayerLimits.Account);
        b.Property(p => p.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(p => p.CharacterName).HasMaxLength(PlayerLimits.CharacterName);
        b.Property(p => p.Contact).HasMaxLength(PlayerLimits.Contact);
        b.Property(p => p.CharacterNameKey)
            .HasComputedColumnSql("lower(character_name)", stored: true)
            .UseCollation("C");
        b.HasIndex(p => p.Account);
        b.HasIndex(p => new { p.GameServerId, p.PlayerId });
        // Prefix search: a range scan in (name key, player id) order, which is also the paging order.
        b.HasIndex(p => new { p.CharacterNameKey, p.PlayerId }).HasDatabaseName("ix_players_name_key");
        // Prefix search by staff scoped to one game server (or filtering by one): same order, server first.
        b.HasIndex(p => new { p.GameServerId, p.CharacterNameKey, p.PlayerId }).HasDatabaseName("ix_players_server_name_key");
        // Fuzzy search: candidates from ix_players_name_key and from ix_players_name_key_rev, a btree on
        // (reverse(character_name_key) COLLATE "C", player_id) INCLUDE (character_name_key, game_server_id) that EF
        // cannot express (migration PlayersFuzzyIndex), then pg_trgm similarity() on the candidates.
    }
}
