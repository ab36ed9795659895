using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>
/// The demo world's reward catalogue, so an agent can grant at once. Items an admin already has (same id) are left
/// as they are.
/// </summary>
public sealed class DemoRewards(GmToolsDbContext db, Catalogue catalogue, GrantDesk grants, CampaignDesk campaigns, RequestContext request) : IDemoSeeder
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

    private const string CampaignReason = "demo world: server s1 rollback compensation";

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

        // Grants carry idempotency keys, so a second run replays them instead of granting again.
        request.Caller = DemoActors.Agent;
        var inbox = await CreateAsync(Grant("demo-whale-mount", DemoStory.Whale, ("mount.dragon", 1),
            "活动奖励未到账 dragon-mount event reward missing", "T-1110"), ct);
        var small = await CreateAsync(Grant("demo-s2-lag", "p100101", ("gold", 200), "卡顿补偿 lag spike on s2", "T-1111"), ct);

        var campaign = await db.Set<Campaign>().FirstOrDefaultAsync(c => c.Reason == CampaignReason, ct);
        if (campaign is null)
        {
            request.Caller = DemoActors.Supervisor;
            var create = new CampaignOrder([new Line("gold", 300), new Line("ticket.revive", 1)], CampaignTarget.PlayerList, CampaignReason, "T-1120",
                "回档补偿 Rollback compensation", "十二月一日回档，给您带来不便，敬请谅解。 Sorry for the rollback on December 1st.");
            campaign = await campaigns.CreateAsync(create, ct);
            await campaigns.AppendPlayersAsync(campaign.CampaignId, Enumerable.Range(100_001, 20).Select(n => $"p{n}").ToList(), ct);
            campaign = await campaigns.SubmitAsync(campaign.CampaignId, ct);
        }
        request.Caller = Caller.System;
        return $"rewards: catalogue of {Items.Length} items ({added} added: {string.Join(", ", Items.Select(i => i.ItemId))}); " +
               $"grant {inbox.GrantId} ({inbox.State}, in the approval inbox), grant {small.GrantId} ({small.State}); " +
               $"campaign {campaign.CampaignId} for 20 players on s1 ({campaign.State})";
    }

    private async Task<Grant> CreateAsync(GrantOrder order, CancellationToken ct) => (await grants.CreateAsync(order, ct)).Grant.Grant;

    private static GrantOrder Grant(string key, string playerId, (string ItemId, long Count) line, string reason, string ticket) =>
        new(key, [new Line(line.ItemId, line.Count)], [playerId], reason, ticket, "补偿 Compensation", "抱歉给您带来不便。 Sorry for the trouble.");
}
