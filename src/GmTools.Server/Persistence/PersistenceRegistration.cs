using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmTools.Server.Persistence;

public static class PersistenceRegistration
{
    public const string ConnectionStringName = "Postgres";

    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = RequiredConnectionString(configuration, ConnectionStringName);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        // One data source per process: it owns the pool, and raw Npgsql work (COPY, audit appends) shares it.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddSingleton<AfterCommitInterceptor>();
        services.AddDbContext<GmToolsDbContext>((sp, o) => Configure(o, sp.GetRequiredService<NpgsqlDataSource>()).AddInterceptors(sp.GetRequiredService<AfterCommitInterceptor>()));
        // Hosted services start in order: the schema must exist before Quartz and anything else touch it.
        services.AddHostedService<MigrateOnStartService>();
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, NpgsqlDataSource dataSource) =>
        o.UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
         .UseSnakeCaseNamingConvention();

    /// <summary>A missing connection string stops the process with a message that names it.</summary>
    public static string RequiredConnectionString(IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Connection string 'ConnectionStrings:{name}' is not configured (environment variable ConnectionStrings__{name}).");
        }
        return value;
    }
}

internal sealed class MigrateOnStartService(IServiceProvider services, Microsoft.Extensions.Options.IOptions<DatabaseOptions> options, ILogger<MigrateOnStartService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
        {
            return;
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        logger.LogInformation("Applying database migrations");
        await db.Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
