using GmTools.Server;
using GmTools.Server.Demo;
using GmTools.Server.Diagnostics;

// Verbs: (none) runs the service; "migrate" applies migrations and exits; "seed-demo [ENV_FILE]" migrates, seeds the
// demo world and writes ready-to-use `export` lines; "mint-token USER ROLE[,ROLE] [SERVER,...]" prints a staff token
// and needs neither PostgreSQL nor Redis (it reads only the GmTools:Jwt settings); "health-check [URL] [--service
// NAME]" asks a running replica's gRPC health service and exits 0 when it serves (the container HEALTHCHECK).
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
var hostArgs = verb is null ? args : args[1..];

if (verb == "mint-token")
{
    return HostVerbs.MintToken(hostArgs);
}
if (verb == "health-check")
{
    return await HealthProbe.RunAsync(hostArgs, Console.Out);
}

// seed-demo's one positional argument must not reach the configuration (a path like /x would read as a switch).
string? envFile = null;
if (verb == "seed-demo" && hostArgs.Length > 0 && !hostArgs[0].StartsWith("--", StringComparison.Ordinal))
{
    envFile = hostArgs[0];
    hostArgs = hostArgs[1..];
}

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
        await HostVerbs.SeedDemoAsync(app.Services, envFile);
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown verb '{verb}'; expected migrate, seed-demo, mint-token or health-check");
        return 2;
}

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
