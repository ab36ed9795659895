using System.Text.Json;
using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.VipCare;

/// <summary>A threshold: from this recharge total (smallest currency unit) a player is in the tier.</summary>
public sealed record TierThreshold(string Name, long MinRecharge);

/// <summary>One version of the tier thresholds; the highest version is in force. Versions are never changed.</summary>
public sealed class VipTierVersion
{
    public long Version { get; set; }
    /// <summary>The thresholds as JSON, lowest first ([{"Name":"silver","MinRecharge":100000}, ...]).</summary>
    public string Tiers { get; set; } = "[]";
    public string ChangedBy { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
    public string Note { get; set; } = "";

    public IReadOnlyList<TierThreshold> Thresholds => JsonSerializer.Deserialize<List<TierThreshold>>(Tiers) ?? [];

    public static string Serialize(IEnumerable<TierThreshold> tiers) => JsonSerializer.Serialize(tiers.ToList());
}

internal sealed class VipTierVersionConfiguration : IEntityTypeConfiguration<VipTierVersion>
{
    public void Configure(EntityTypeBuilder<VipTierVersion> b)
    {
        b.ToTable("vip_tier_versions");
        b.HasKey(v => v.Version);
        b.Property(v => v.Version).ValueGeneratedNever();
        b.Ignore(v => v.Thresholds);
        b.Property(v => v.Tiers).HasColumnType("jsonb");
        b.Property(v => v.ChangedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(v => v.Note).HasMaxLength(VipCareLimits.Note);
    }
}
