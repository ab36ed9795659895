using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Demo;

/// <summary>The command-line verbs of the server binary.</summary>
public static class HostVerbs
{
    public static async Task MigrateAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        await db.Database.MigrateAsync();
        Console.WriteLine("migrations applied");
    }

    public static async Task SeedDemoAsync(IServiceProvider services)
    {
        await MigrateAsync(services);
        await using var scope = services.CreateAsyncScope();
        var credentials = await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
        var tokens = services.GetRequiredService<StaffTokenIssuer>();
        Console.WriteLine();
        Console.WriteLine("Demo world ready. Ready-to-use authorization header values:");
        Console.WriteLine($"  admin      Bearer {tokens.Issue("ada.admin", [Role.Admin])}");
        Console.WriteLine($"  supervisor Bearer {tokens.Issue("sam.supervisor", [Role.Supervisor])}");
        Console.WriteLine($"  gm         Bearer {tokens.Issue("gus.gm", [Role.Gm])}");
        Console.WriteLine($"  agent      Bearer {tokens.Issue("amy.agent", [Role.Agent])}");
        foreach (var (id, credential) in credentials)
        {
            Console.WriteLine($"  {id,-10} {GameServerCredential.Scheme} {credential}");
        }
    }

    public static int MintToken(IServiceProvider services, string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: mint-token USER ROLE[,ROLE...] [GAME_SERVER,...]");
            return 2;
        }
        var roles = new List<Role>();
        foreach (var name in args[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Roles.TryParse(name, out var role) || role == Role.GameServer)
            {
                Console.Error.WriteLine($"unknown staff role '{name}' (Viewer, Agent, Gm, Supervisor, Admin)");
                return 2;
            }
            roles.Add(role);
        }
        var scope = args.Length > 2 ? args[2].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        Console.WriteLine(services.GetRequiredService<StaffTokenIssuer>().Issue(args[0], roles, scope));
        return 0;
    }
}
