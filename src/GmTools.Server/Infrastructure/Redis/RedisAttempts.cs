using StackExchange.Redis;

namespace GmTools.Server.Infrastructure.Redis;

/// <summary>
/// Redis holds live state only, so every use of it has a way on without it. One attempt: default at once when the
/// multiplexer is disconnected (a dead Redis costs no waiting), default on a Redis error or timeout, logged.
/// </summary>
public static class RedisAttempts
{
    public static async Task<T?> TryAsync<T>(this RedisConnection redis, Func<IDatabase, Task<T>> work, ILogger logger, string what)
    {
        if (!redis.Multiplexer.IsConnected)
        {
            return default;
        }
        try
        {
            return await work(redis.Database);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "{What} unavailable (Redis); carrying on without it", what);
            return default;
        }
    }
}
