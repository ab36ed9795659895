using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.VipCare;

/// <summary>
/// A player's VIP record: the tier in force (empty: none), since when, the recharge total it was computed from,
/// and the agent who last had them (so the same agent keeps the player where possible).
/// </summary>
public sealed class VipPlayer
{
    public string PlayerId { get; set; } = "";
    public string Tier { get; set; } = "";
    public DateTimeOffset TierSince { get; set; }
    public long RechargeTotal { get; set; }
    public long TierVersion { get; set; }
    public string? LastAgent { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class VipPlayerConfiguration : IEntityTypeConfiguration<VipPlayer>
{
    public void Configure(EntityTypeBuilder<VipPlayer> b)
    {
        b.ToTable("vip_players");
        b.HasKey(v => v.PlayerId);
        b.Property(v => v.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(v => v.Tier).HasMaxLength(VipCareLimits.TierName);
        b.Property(v => v.LastAgent).HasMaxLength(CommonLimits.ActorId);
        b.HasIndex(v => v.Tier).HasFilter("tier <> ''");
        b.HasOne<Player>().WithMany().HasForeignKey(v => v.PlayerId);
    }
}

/// <summary>A tier reached or lost, with its time: the tier history.</summary>
public sealed class VipTierChange
{
    public long ChangeId { get; set; }
    public string PlayerId { get; set; } = "";
    public string GameServerId { get; set; } = "";
    public string FromTier { get; set; } = "";
    public string ToTier { get; set; } = "";
    public long RechargeTotal { get; set; }
    public long TierVersion { get; set; }
    public string Source { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
}

internal sealed class VipTierChangeConfiguration : IEntityTypeConfiguration<VipTierChange>
{
    public void Configure(EntityTypeBuilder<VipTierChange> b)
    {
        b.ToTable("vip_tier_changes");
        b.HasKey(c => c.ChangeId);
        b.Property(c => c.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(c => c.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.FromTier).HasMaxLength(VipCareLimits.TierName);
        b.Property(c => c.ToTier).HasMaxLength(VipCareLimits.TierName);
        b.Property(c => c.Source).HasMaxLength(VipCareLimits.Source);
        b.HasIndex(c => new { c.PlayerId, c.ChangeId });
    }
}
