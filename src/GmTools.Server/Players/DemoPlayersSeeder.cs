using GmTools.Contracts.V1;
using GmTools.Server.Demo;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Players;

/// <summary>The demo world's players: a few hundred repeatable profiles per demo server and the named story players.</summary>
public sealed class DemoPlayersSeeder(PlayerSync sync) : IDemoSeeder
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
        return $"players: {DemoPlayers.PerServer} per game server and {DemoStory.Players.Length} named ones ({string.Join(", ", DemoStory.Players.Select(p => $"{p.Name} {p.PlayerId}"))})";
    }
}
