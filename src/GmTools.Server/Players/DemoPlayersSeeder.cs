using GmTools.Contracts.V1;
using GmTools.Server.Demo;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Players;

/// <summary>The demo world's players: a few hundred repeatable profiles per demo server and the named story players.</summary>
public sealed class DemoPlayersSeeder(PlayerSync sync, PlayerNotes notes, Persistence.GmToolsDbContext db) : IDemoSeeder
{
    public int Order => DemoOrder.Players;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        await DemoPlayers.SeedAsync(sync, demo.GameServerIds, demo.Now, ct);
        foreach (var group in DemoStory.Players.Where(p => demo.GameServerIds.Contains(p.GameServerId)).GroupBy(p => p.GameServerId))
        {
            // Version 1 every time: a second run changes nothing, a real sync (higher version) always wins.
            var batch = group.Select(p => new PlayerProfile
            {
                PlayerId = p.PlayerId,
                Account = p.Account,
                CharacterName = p.Name,
                Level = p.Level,
                VipPoints = p.VipPoints,
                RechargeTotal = p.RechargeTotal,
                LastLoginAt = Timestamp.FromDateTimeOffset(demo.Now.AddHours(-2)),
                Contact = "+86 138 0000 " + p.PlayerId[^4..],
                Online = true,
                Version = 1,
            }).ToList();
            await sync.SyncAsync(group.Key, batch, ct);
        }
        var noted = 0;
        if (!await db.Set<PlayerNoteEntity>().AnyAsync(n => n.PlayerId == DemoStory.Whale, ct))
        {
            await notes.AddAsync(DemoActors.Agent, DemoStory.Whale, "contact_preference", "只接受微信联系，晚上八点以后。 WeChat only, after 20:00.", "", ct);
            await notes.AddAsync(DemoActors.Agent, DemoStory.Whale, "complaint_summary", "抱怨龙骑坐骑活动奖励未到账。 Says the dragon-mount event reward never arrived.", "T-1110", ct);
            await notes.AddAsync(DemoActors.Gm, DemoStory.Appellant, "other", "金币广告在世界频道出现三次。 Gold ads seen three times in world chat.", "T-1077", ct);
            noted = 3;
        }
        return $"players: {DemoPlayers.PerServer} per game server and {DemoStory.Players.Length} named ones ({string.Join(", ", DemoStory.Players.Select(p => $"{p.Name} {p.PlayerId}"))}); {noted} notes added";
    }
}
