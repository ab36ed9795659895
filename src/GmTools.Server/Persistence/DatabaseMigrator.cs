using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GmTools.Server.Persistence;

/// <summary>Applies migrations and says what it did, in words an operator can act on.</summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(GmToolsDbContext db, ILogger logger, CancellationToken ct)
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
