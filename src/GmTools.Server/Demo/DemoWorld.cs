using GmTools.Server.GameServers;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Demo;

/// <summary>
/// The demo world a newcomer clicks around in after deploy/run.sh: three game servers, then every capability's
/// <see cref="IDemoSeeder"/> in order. Safe to run again: existing game servers get a fresh credential (so the
/// printed one always works) and each seeder adds only what is missing.
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
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DemoWorld));
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
        Report(logger, $"game servers: {string.Join(", ", GameServers.Select(g => g.Id))} (credentials issued afresh)");

        var demo = new DemoSeedContext(services, GameServers.Select(g => g.Id).ToList(), services.GetRequiredService<TimeProvider>().GetUtcNow());
        foreach (var seeder in services.GetServices<IDemoSeeder>().OrderBy(s => s.Order))
        {
            Report(logger, await seeder.SeedAsync(demo, ct));
        }
        return credentials;
    }

    // "demo: " lines are what deploy/run.sh shows of the seeding run.
    private static void Report(ILogger logger, string line)
    {
        logger.LogInformation("Demo world: {Line}", line);
        Console.WriteLine("demo: " + line);
    }
}
