using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Rewards;

/// <summary>Something that may be granted: an item or a currency, with what one unit is worth.</summary>
public sealed class CatalogueItem
{
    public const string KindItem = "item";
    public const string KindCurrency = "currency";

    public string ItemId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Kind { get; set; } = KindItem;
    /// <summary>Value of one unit in the smallest currency unit; what the grant limits add up.</summary>
    public long UnitValue { get; set; }
    public bool Active { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class CatalogueItemConfiguration : IEntityTypeConfiguration<CatalogueItem>
{
    public void Configure(EntityTypeBuilder<CatalogueItem> b)
    {
        b.ToTable("reward_catalogue");
        b.HasKey(i => i.ItemId);
        b.Property(i => i.ItemId).HasMaxLength(RewardLimits.ItemId);
        b.Property(i => i.Name).HasMaxLength(RewardLimits.ItemName);
        b.Property(i => i.Kind).HasMaxLength(RewardLimits.ItemKind);
    }
}
