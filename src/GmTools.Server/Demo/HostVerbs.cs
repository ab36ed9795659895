using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Demo;

/// <summary>The command-line verbs of the server binary.</summary>
public static class HostVerbs
{
    /// <summary>The demo staff run.sh prints tokens for: one per role, under the variable names the README uses.</summary>
    public static readonly (string Variable, string User, Role Role)[] DemoStaff =
    [
        ("ADMIN_TOKEN", "ada.admin", Role.Admin),
        ("SUPERVISOR_TOKEN", "sam.supervisor", Role.Supervisor),
        ("GM_TOKEN", "gus.gm", Role.Gm),
        ("AGENT_TOKEN", "amy.agent", Role.Agent),
        ("VIEWER_TOKEN", "vic.viewer", Role.Viewer),
    ];

    public static async Task MigrateAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<GmToolsDbContext>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HostVerbs)), CancellationToken.None);
    }

    /// <summary>Migrates, seeds the demo world and writes (or prints) `export` lines a shell can source.</summary>
    public static async Task SeedDemoAsync(IServiceProvider services, string? envFile)
    {
        await MigrateAsync(services);
        await using var scope = services.CreateAsyncScope();
        var credentials = await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
        var tokens = services.GetRequiredService<StaffTokenIssuer>();
        var lines = new List<string>();
        foreach (var (variable, user, role) in DemoStaff)
        {
            lines.Add(ExportLine(variable, tokens.Issue(user, [role])));
        }
        foreach (var (id, credential) in credentials)
        {
            // Exactly what the simulator's --credential takes.
            lines.Add(ExportLine(CredentialVariable(id), $"{GameServerCredential.Scheme} {credential}"));
        }
        if (envFile is null)
        {
            lines.ForEach(Console.WriteLine);
        }
        else
        {
            await File.WriteAllLinesAsync(envFile, lines);
        }
    }

    public static string CredentialVariable(string gameServerId) =>
        gameServerId.ToUpperInvariant().Replace('-', '_') + "_CREDENTIAL";

    /// <summary>A line bash and sh can source; single quotes keep the value literal.</summary>
    public static string ExportLine(string variable, string value) => $"export {variable}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>
    /// Mints a staff token from the GmTools:Jwt settings alone: no database, no Redis, no host. Without an
    /// environment it reads appsettings.Development.json, the key the server uses under deploy/run.sh.
    /// </summary>
    public static int MintToken(string[] args)
    {
        var positional = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        if (positional.Length is < 2 or > 3)
        {
            Console.Error.WriteLine("usage: mint-token USER ROLE[,ROLE...] [GAME_SERVER,...]   (roles: Viewer, Agent, Gm, Supervisor, Admin)");
            return 2;
        }
        var roles = new List<Role>();
        foreach (var name in positional[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Roles.TryParse(name, out var role) || role == Role.GameServer)
            {
                Console.Error.WriteLine($"unknown staff role '{name}' (Viewer, Agent, Gm, Supervisor, Admin)");
                return 2;
            }
            roles.Add(role);
        }
        if (roles.Count == 0)
        {
            Console.Error.WriteLine("give at least one role (Viewer, Agent, Gm, Supervisor, Admin)");
            return 2;
        }
        var scope = positional.Length > 2 ? positional[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                          ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                          ?? Environments.Development;
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args[positional.Length..])
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System);
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateDataAnnotations();
        services.AddSingleton<StaffTokenIssuer>();
        using var provider = services.BuildServiceProvider();
        string token;
        try
        {
            token = provider.GetRequiredService<StaffTokenIssuer>().Issue(positional[0], roles, scope);
        }
        catch (OptionsValidationException ex)
        {
            Console.Error.WriteLine($"{JwtOptions.Section} is not usable ({environment}): {ex.Message}");
            return 1;
        }
        Console.WriteLine(ExportLine(roles[0].ToString().ToUpperInvariant() + "_TOKEN", token));
        return 0;
    }
}
