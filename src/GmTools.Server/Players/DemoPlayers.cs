using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Players;

/// <summary>
/// Demo players for the demo game servers: the same few hundred profiles on every run (fixed seed, version 1),
/// so seeding again inserts nothing new and never overwrites what a real sync changed since.
/// </summary>
public static class DemoPlayers
{
    public const int PerServer = 100;

    private static readonly string[] Latin =
        ["Shadow", "Wolf", "Dragon", "Storm", "Blade", "Night", "Frost", "Raven", "Nova", "Viper", "Azure", "Iron", "Lotus", "Ember"];

    private static readonly string[] Chinese =
        ["张三丰", "李逍遥", "赵灵儿", "林月如", "令狐冲", "任盈盈", "郭靖", "黄蓉", "杨过", "小龙女", "张无忌", "周芷若", "乔峰", "段誉", "虚竹", "王语嫣"];

    public static async Task SeedAsync(PlayerSync sync, IEnumerable<string> gameServers, DateTimeOffset now, CancellationToken ct)
    {
        var random = new Random(20261123);
        var serial = 100_000;
        foreach (var server in gameServers)
        {
            var batch = new List<PlayerProfile>();
            for (var i = 0; i < PerServer; i++)
            {
                serial++;
                var name = (i % 3) switch
                {
                    0 => Chinese[random.Next(Chinese.Length)] + (i < Chinese.Length * 3 ? "" : random.Next(1, 100).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    _ => Latin[random.Next(Latin.Length)] + Latin[random.Next(Latin.Length)] + random.Next(1, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                batch.Add(new PlayerProfile
                {
                    PlayerId = $"p{serial}",
                    Account = $"acct{serial / 2}",
                    CharacterName = name,
                    Level = 1 + random.Next(120),
                    VipPoints = random.Next(20) == 0 ? random.Next(10_000, 200_000) : random.Next(2_000),
                    RechargeTotal = random.Next(10) == 0 ? random.Next(100_000, 5_000_000) : random.Next(10_000),
                    // Within the last 30 days of the seeding run; a later run sends the same version, so nothing moves.
                    LastLoginAt = Timestamp.FromDateTimeOffset(now.AddMinutes(-random.Next(30 * 24 * 60))),
                    Contact = $"+86 1{random.Next(30, 90)} {random.Next(1000, 9999)} {random.Next(1000, 9999)}",
                    Online = random.Next(5) == 0,
                    Version = 1,
                });
            }
            // Names repeat across the demo (as they do in a real game); ids never do.
            await sync.SyncAsync(server, batch, ct);
        }
    }
}
