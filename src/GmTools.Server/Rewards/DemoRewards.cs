using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>
/// The demo world's reward catalogue, so an agent can grant at once. Items an admin already has (same id) are left
/// as they are.
/// </summary>
public sealed class DemoRewards(GmToolsDbContext db, Catalogue catalogue) : IDemoSeeder
{
    /// <summary>Unit values in fen: what the grant limits add up (an agent may grant 10,000 per grant unapproved).</summary>
    public static readonly (string ItemId, string Name, string Kind, long UnitValue)[] Items =
    [
        ("gold", "金币 Gold", CatalogueItem.KindCurrency, 1),
        ("diamond", "钻石 Diamond", CatalogueItem.KindCurrency, 10),
        ("potion.hp", "生命药水 Health potion", CatalogueItem.KindItem, 50),
        ("ticket.revive", "复活券 Revival ticket", CatalogueItem.KindItem, 200),
        ("title.hero", "英雄称号 Hero title", CatalogueItem.KindItem, 5_000),
        ("mount.dragon", "青龙坐骑 Azure dragon mount", CatalogueItem.KindItem, 50_000),
    ];

    public int Order => DemoOrder.Rewards;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        var existing = await db.Set<CatalogueItem>().Select(i => i.ItemId).ToListAsync(ct);
        var added = 0;
        foreach (var (id, name, kind, value) in Items.Where(i => !existing.Contains(i.ItemId)))
        {
            await catalogue.UpsertAsync(new CatalogueItem { ItemId = id, Name = name, Kind = kind, UnitValue = value, Active = true }, "demo world", ct);
            added++;
        }
        return $"rewards: catalogue of {Items.Length} items ({added} added: {string.Join(", ", Items.Select(i => i.ItemId))})";
    }
}
