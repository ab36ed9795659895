using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GmTools.Server.Persistence;

/// <summary>Applies migrations and says what it did, in words an operator can act on.</summary>
public static class DatabaseMigrator
{
    private const string TakeLock = "SELECT pg_advisory_lock(hashtextextended('gmtools:migrate', 0))";
    private const string ReleaseLock = "SELECT pg_advisory_unlock(hashtextextended('gmtools:migrate', 0))";

    public static async Task MigrateAsync(GmToolsDbContext db, ILogger logger, CancellationToken ct)
    {
        // One migrator at a time per database, across processes: two migration Jobs (or a Job and a replica with
        // MigrateOnStart) started together would otherwise both apply the same migration, and one fails half-way
        // (MigrateVerbTests). A session lock on the connection the migrations run on; a crash releases it with the
        // session.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync(TakeLock, ct);
            try
            {
                await MigrateLockedAsync(db, logger, ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync(ReleaseLock, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task MigrateLockedAsync(GmToolsDbContext db, ILogger logger, CancellationToken ct)
    {
        // Asking for pending migrations reads the history table; on an empty database EF would log that failed
        // read as "fail:", which is how a healthy first start looked. Creating the (empty) table first is harmless.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            logger.LogInformation("Database schema is up to date");
            return;
        }
        logger.LogInformation("Migrating the database: {Count} migration(s) to apply, last {Last}", pending.Count, pending[^1]);
        await db.Database.MigrateAsync(ct);
        logger.LogInformation("Database migrated");
    }
}
