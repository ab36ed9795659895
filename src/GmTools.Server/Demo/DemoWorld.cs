using GmTools.Server.GameServers;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Demo;

/// <summary>
/// A small world to click around in: a few game servers (and, as capabilities land, their players).
/// Safe to run again: existing game servers get a fresh credential so the printed one always works.
/// </summary>
public static class DemoWorld
{
    public static readonly (string Id, string Name, string Region)[] GameServers =
    [
        ("s1", "Azure Dragon (S1)", "cn-east"),
        ("s2", "White Tiger (S2)", "cn-north"),
        ("s3", "Vermilion Bird (S3)", "sea"),
    ];

    public static async Task<List<(string Id, string Credential)>> SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<Persistence.GmToolsDbContext>();
        var registry = services.GetRequiredService<GameServerRegistry>();
        var credentials = new List<(string, string)>();
        foreach (var (id, name, region) in GameServers)
        {
            var exists = await db.Set<GameServerEntity>().AnyAsync(g => g.GameServerId == id, ct);
            var issued = exists
                ? await registry.RotateAsync(id, "demo seed", ct)
                : await registry.RegisterAsync(id, name, region, "demo seed", ct);
            credentials.Add((id, issued.Credential));
        }
        await Players.DemoPlayers.SeedAsync(services.GetRequiredService<Players.PlayerSync>(), GameServers.Select(g => g.Id), services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
        return credentials;
    }
}
