using GmTools.Server;
using GmTools.Server.Demo;

// Verbs: (none) runs the service; "migrate" applies migrations and exits; "seed-demo" migrates, seeds the
// demo world and prints ready-to-use tokens; "mint-token USER ROLE[,ROLE] [SERVER,...]" prints a dev token.
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
var hostArgs = verb is null ? args : args[1..];

var app = GmToolsHost.Build(hostArgs);
switch (verb)
{
    case null:
        await app.RunAsync();
        return 0;
    case "migrate":
        await HostVerbs.MigrateAsync(app.Services);
        return 0;
    case "seed-demo":
        await HostVerbs.SeedDemoAsync(app.Services);
        return 0;
    case "mint-token":
        return HostVerbs.MintToken(app.Services, hostArgs);
    default:
        await Console.Error.WriteLineAsync($"unknown verb '{verb}'; expected migrate, seed-demo or mint-token");
        return 2;
}

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
