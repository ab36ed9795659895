using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.GameLink;

/// <summary>
/// Per game server, command id order must be commit order (a game server that applied 101 treats 100 as done).
/// Every transaction that inserts outbox rows takes these locks first, in ordinal order so that two writers
/// never wait on each other crosswise. EF writers get them from <see cref="OutboxCommitInterceptor"/>; code that
/// inserts outbox rows with its own SQL (bulk campaign expansion) calls this, then
/// <see cref="GameLinkHub.CommandsCommitted"/> after its commit.
/// </summary>
public static class OutboxOrdering
{
    public static async Task LockAsync(DbContext context, IEnumerable<string> gameServerIds, CancellationToken ct)
    {
        foreach (var key in LockKeys(gameServerIds))
        {
            await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", ct);
        }
    }

    /// <summary>For EF's synchronous SaveChanges.</summary>
    public static void Lock(DbContext context, IEnumerable<string> gameServerIds)
    {
        foreach (var key in LockKeys(gameServerIds))
        {
            context.Database.ExecuteSql($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))");
        }
    }

    private static IEnumerable<string> LockKeys(IEnumerable<string> gameServerIds) =>
        gameServerIds.Distinct().Order(StringComparer.Ordinal).Select(id => "gamelink:" + id);
}
