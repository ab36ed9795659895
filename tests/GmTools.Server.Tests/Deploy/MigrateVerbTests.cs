using GmTools.Server.Persistence;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// The server binary's <c>migrate</c> verb, which the compose migration service and the Kubernetes migration Job run:
/// real processes of the built server against one database, as two Jobs started by mistake (or a retried one) would.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class MigrateVerbTests
{
    /// <summary>The server as built beside this test assembly (same configuration: bin/Release or bin/Debug).</summary>
    internal static string ServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "src", "GmTools.Server", "bin", configuration, "net10.0", "GmTools.Server.dll");
        Assert.True(File.Exists(dll), $"the server is not built at {dll}");
        return dll;
    }

    /// <summary>Runs one server verb to its end (at most two minutes) and returns its exit code and everything it printed.</summary>
    internal static async Task<(int Code, string Output)> RunVerb(string postgres, params string[] args)
    {
        var dll = ServerDll();
        return await DeployFiles.RunAsync("dotnet", [dll, .. args], Path.GetDirectoryName(dll)!, TimeSpan.FromMinutes(2), new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__Redis"] = TestEnvironment.Redis,
            ["GmTools__Jwt__SigningKey"] = GmToolsFactory.SigningKey,
        });
    }

    [Fact]
    public async Task Two_migrate_processes_started_together_on_an_empty_database_apply_every_migration_once()
    {
        var cs = await TestDatabase.CreateAsync("migrateverb", fromTemplate: false);

        var runs = await Task.WhenAll(RunVerb(cs, "migrate"), RunVerb(cs, "migrate"));

        Assert.All(runs, r => Assert.True(r.Code == 0, r.Output));
        Assert.All(runs, r => Assert.DoesNotContain("fail:", r.Output, StringComparison.Ordinal));
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var options = new DbContextOptionsBuilder<GmToolsDbContext>();
        PersistenceRegistration.Configure(options, dataSource);
        await using var db = new GmToolsDbContext(options.Options);
        var known = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(known);
        Assert.Equal(known, await db.Database.GetAppliedMigrationsAsync());
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM __ef_migrations_history"))
        {
            Assert.Equal((long)known.Count, await count.ExecuteScalarAsync());
        }

        // A retried Job (or the next rollout with nothing new) finds nothing to do and says so.
        var again = await RunVerb(cs, "migrate");
        Assert.True(again.Code == 0, again.Output);
        Assert.Contains("Database schema is up to date", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_without_a_reachable_database_fails_with_a_non_zero_exit_code()
    {
        // A Job whose PostgreSQL is down must fail (and be retried by its backoffLimit), never report success.
        var (code, output) = await RunVerb($"Host=127.0.0.1;Port={TestPorts.Free()};Username=postgres;Database=gm;Timeout=3", "migrate");
        Assert.NotEqual(0, code);
        Assert.Contains("127.0.0.1", output, StringComparison.Ordinal);
    }
}
