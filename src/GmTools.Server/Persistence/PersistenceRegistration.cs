using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace GmTools.Server.Persistence;

public static class PersistenceRegistration
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>Optional: a streaming replica for heavy reads (<see cref="ReadReplica"/>).</summary>
    public const string ReadOnlyConnectionStringName = "PostgresReadOnly";

    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = RequiredConnectionString(configuration, ConnectionStringName);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        // One data source per process: it owns the pool, and raw Npgsql work (COPY, audit appends) shares it.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddSingleton<TransactionCommitHooks>();
        services.AddDbContext<GmToolsDbContext>((sp, o) => Configure(o, sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<TransactionCommitHooks>()));
        // Hosted services start in order: the schema must exist before Quartz and anything else touch it.
        services.AddHostedService<MigrateOnStartService>();
        services.AddHostedService<WriteOrderCheck>();
        services.AddOptions<ReadReplicaOptions>().BindConfiguration(ReadReplicaOptions.Section)
            .Validate(o => o.MaxLag > TimeSpan.Zero && o.ProbeInterval > TimeSpan.Zero && o.ProbeInterval < o.MaxLag,
                "GmTools:ReadReplica: MaxLag and ProbeInterval must be positive, ProbeInterval below MaxLag")
            .ValidateOnStart();
        services.AddSingleton<ReadReplica>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadReplica>());
        services.AddScoped<ReadDb>();
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder o, NpgsqlDataSource dataSource) =>
        o.UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
         .UseSnakeCaseNamingConvention()
         // EF logs a failed commit or rollback at Error even when it was cancelled (a stopping replica interrupts
         // its Quartz jobs; a caller hangs up), and the same exception always reaches the code that called it,
         // which decides: the gRPC edge logs real faults at Error, Quartz logs a failed job.
         .ConfigureWarnings(w => w.Log((RelationalEventId.TransactionError, LogLevel.Warning)));

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
        await DatabaseMigrator.MigrateAsync(db, logger, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Refuses to start on a database restored into a cluster whose transaction ids are behind its rows: new outbox
/// commands and audit records would sort before old ones (Persistence/Sql/write_order.sql).
/// </summary>
internal sealed class WriteOrderCheck(NpgsqlDataSource dataSource) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT CASE WHEN to_regproc('gm_write_order_is_behind') IS NULL THEN false ELSE gm_write_order_is_behind() END");
        if ((bool)(await cmd.ExecuteScalarAsync(cancellationToken))!)
        {
            throw new InvalidOperationException(
                "Stored outbox ids / audit records are ahead of this PostgreSQL cluster's transaction ids (a restore into a new cluster?). " +
                "Run `SELECT gm_rebase_write_order();` in the database once, then start again (docs/architecture.md, Write and delivery path).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
