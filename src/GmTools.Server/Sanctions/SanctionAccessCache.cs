using System.Collections.Concurrent;
using GmTools.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace GmTools.Server.Sanctions;

/// <summary>
/// The CheckAccess read path: the in-process set of every sanction in force (<see cref="ActiveSanctionSet"/>) once it
/// is loaded; before that (or when it is off or too big) in-process entries (short TTL, dropped on pub/sub), then
/// Redis, then PostgreSQL.
/// Each layer holds the player's list of sanctions in force, never a yes/no, so expiry is decided at read time.
/// <para>
/// Stale-fill guard: a reader that missed fills a cache only if no invalidation happened while it loaded.
/// In Redis that is a per-player invalidation counter checked by the fill script; in process a generation number.
/// A writer bumps the counter and deletes the entry after its commit, so a fill racing a commit cannot stick.
/// </para>
/// Redis is optional: any Redis failure or slowness answers from PostgreSQL and skips Redis for a few seconds.
/// </summary>
public sealed class SanctionAccessCache(
    ActiveSanctionSet activeSet,
    RedisConnection redis,
    NpgsqlDataSource postgres,
    IOptionsMonitor<SanctionOptions> options,
    TimeProvider time,
    ILogger<SanctionAccessCache> logger)
{
    public const string InvalidationChannel = "sanctions:invalidate";

    // Fill only if the counter is what the reader saw before it loaded ("" = the counter did not exist).
    private const string FillScript = """
        local seen = redis.call('GET', KEYS[2])
        if (seen == false and ARGV[1] == '') or seen == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        end
        return 0
        """;

    // The counter, the entry and the message to the other replicas in one round trip (the mute waits for it).
    private const string InvalidateScript = """
        redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[1])
        redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 0
        """;

    // How long this replica expects its own invalidation message back (after that the message reloads as any other).
    private static readonly TimeSpan OwnEchoWindow = TimeSpan.FromSeconds(5);
    private const int MaxOwnEchoes = 10_000;

    private const string LoadSql = """
        SELECT kind, scope_game_server_id, ends_at FROM sanctions
        WHERE player_id = $1 AND lifted_at IS NULL AND kind <> 'kick' AND (ends_at IS NULL OR ends_at > $2)
        """;

    private static readonly TimeSpan CounterLifetime = TimeSpan.FromDays(1);

    private sealed record LocalEntry(ActiveSanction[] Sanctions, DateTimeOffset LoadedAt);

    private readonly ConcurrentDictionary<string, LocalEntry> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _pendingInvalidations = new(StringComparer.Ordinal);
    // Players whose change this replica committed, reloaded and published: until the message comes back (or the
    // window ends) the echo needs no second reload of the same player.
    private readonly ConcurrentDictionary<string, long> _ownEchoes = new(StringComparer.Ordinal);
    private long _generation;
    private long _redisSkipUntilTicks;

    public async ValueTask<AccessDecision> CheckAsync(string playerId, string gameServerId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (activeSet.Ready)
        {
            return AccessRules.Decide(activeSet.For(playerId), gameServerId, now);
        }
        if (_local.TryGetValue(playerId, out var entry) && now - entry.LoadedAt < options.CurrentValue.LocalCacheTtl && entry.LoadedAt <= now)
        {
            return AccessRules.Decide(entry.Sanctions, gameServerId, now);
        }
        var generation = Interlocked.Read(ref _generation);
        var sanctions = await LoadAsync(playerId, ct);
        if (Interlocked.Read(ref _generation) == generation)
        {
            if (_local.Count >= options.CurrentValue.LocalCacheMaxPlayers)
            {
                _local.Clear(); // crude bound; entries live a second anyway
            }
            _local[playerId] = new LocalEntry(sanctions, now);
        }
        return AccessRules.Decide(sanctions, gameServerId, now);
    }

    /// <summary>
    /// Called after a change to the player's sanctions has committed: drops every cached copy. The Redis part
    /// is tried even inside the readers' back-off window (writes are rare and a stale Redis entry would outlive
    /// the window); when it fails the player is remembered and retried until Redis takes it.
    /// </summary>
    /// <remarks>The reload of the in-process set and the Redis round trip run side by side: the caller (a mute, on
    /// its request path) waits for the longer of the two, not for both in turn (docs/benchmarks.md, "Write path").</remarks>
    public async Task InvalidateAsync(string playerId)
    {
        var reload = ReloadHeldAsync(playerId);
        try
        {
            ExpectOwnEcho(playerId); // before the script: the message may come back before its reply does
            if (!await TryInvalidateRedisAsync(playerId))
            {
                _ownEchoes.TryRemove(playerId, out _);
                _pendingInvalidations[playerId] = 0;
            }
        }
        finally
        {
            DropLocal(playerId);
            await reload;
        }
    }

    /// <summary>
    /// An invalidation message arrived (another replica's, or this one's own coming back): drops the in-process entry
    /// and reloads the player in the set — unless it is the echo of a change this replica has just reloaded itself.
    /// </summary>
    /// <remarks>Skipping is safe even when another replica's message for the same player is taken for the echo: the
    /// echo then arrives after it, finds no mark and reloads, after both changes committed. A lost echo leaves a mark
    /// that lapses after <see cref="OwnEchoWindow"/>; the set's catch-up reads every change within its interval anyway.</remarks>
    public Task InvalidatedElsewhereAsync(string playerId)
    {
        DropLocal(playerId);
        if (_ownEchoes.TryRemove(playerId, out var until) && time.GetUtcNow().UtcTicks <= until)
        {
            Interlocked.Increment(ref _echoesSkipped);
            return Task.CompletedTask;
        }
        Interlocked.Increment(ref _messageReloads);
        return ReloadHeldAsync(playerId);
    }

    private long _echoesSkipped;
    private long _messageReloads;

    /// <summary>Own messages that came back and were not reloaded again (tests).</summary>
    internal long EchoesSkipped => Interlocked.Read(ref _echoesSkipped);

    /// <summary>Messages that reloaded a player (tests).</summary>
    internal long MessageReloads => Interlocked.Read(ref _messageReloads);

    private void ExpectOwnEcho(string playerId)
    {
        if (_ownEchoes.Count >= MaxOwnEchoes)
        {
            _ownEchoes.Clear(); // echoes lost while Redis was away: every later message reloads, as before
        }
        _ownEchoes[playerId] = (time.GetUtcNow() + OwnEchoWindow).UtcTicks;
    }

    /// <summary>Own invalidations whose message has not come back yet (tests).</summary>
    internal int OwnEchoesExpected => _ownEchoes.Count;

    /// <summary>
    /// Reloads the player in the in-process set of sanctions in force (after our own commit, or another replica's
    /// message). A failure is only logged: the set's catch-up reads the change within its interval anyway.
    /// </summary>
    public async Task ReloadHeldAsync(string playerId)
    {
        try
        {
            await activeSet.ReloadPlayersAsync([playerId], CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Reloading player {Player}'s sanctions in force failed; the next catch-up reads them", playerId);
        }
    }

    /// <summary>Players whose Redis invalidation has not gone through yet.</summary>
    public int PendingInvalidations => _pendingInvalidations.Count;

    /// <summary>Retries the invalidations Redis missed; returns how many are still pending.</summary>
    public async Task<int> RetryPendingAsync()
    {
        foreach (var playerId in _pendingInvalidations.Keys)
        {
            if (!await TryInvalidateRedisAsync(playerId))
            {
                break;
            }
            _pendingInvalidations.TryRemove(playerId, out _);
            DropLocal(playerId);
        }
        return _pendingInvalidations.Count;
    }

    private async Task<bool> TryInvalidateRedisAsync(string playerId)
    {
        if (!redis.Multiplexer.IsConnected)
        {
            return false;
        }
        try
        {
            var o = options.CurrentValue;
            await redis.Database.ScriptEvaluateAsync(InvalidateScript, [ActiveKey(playerId), CounterKey(playerId)],
                    [(long)CounterLifetime.TotalMilliseconds, redis.Channel(InvalidationChannel).ToString(), playerId])
                .WaitAsync(o.RedisTimeout);
            return true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            // Other replicas fall back on their in-process TTL until the retry gets through.
            RedisFailed(ex);
            return false;
        }
    }

    /// <summary>Drops the in-process entry (pub/sub from another replica, or our own change).</summary>
    public void DropLocal(string playerId)
    {
        Interlocked.Increment(ref _generation);
        _local.TryRemove(playerId, out _);
    }

    /// <summary>After Redis comes back, messages sent while it was away are lost: forget everything.</summary>
    public void DropAllLocal()
    {
        Interlocked.Increment(ref _generation);
        _local.Clear();
    }

    private async Task<ActiveSanction[]> LoadAsync(string playerId, CancellationToken ct)
    {
        if (!RedisUsable())
        {
            return await LoadFromPostgresAsync(playerId, ct);
        }
        var o = options.CurrentValue;
        RedisValue[] cached;
        try
        {
            cached = await redis.Database.StringGetAsync([ActiveKey(playerId), CounterKey(playerId)]).WaitAsync(o.RedisTimeout, ct);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            RedisFailed(ex);
            return await LoadFromPostgresAsync(playerId, ct);
        }
        if (AccessRules.Decode(cached[0]) is { } hit)
        {
            return hit;
        }
        var sanctions = await LoadFromPostgresAsync(playerId, ct);
        try
        {
            // Not awaited for the answer: the fill only helps the next reader.
            _ = redis.Database.ScriptEvaluateAsync(
                FillScript,
                [ActiveKey(playerId), CounterKey(playerId)],
                [cached[1].IsNull ? "" : cached[1], AccessRules.Encode(sanctions), (long)o.RedisCacheTtl.TotalMilliseconds],
                CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            RedisFailed(ex);
        }
        return sanctions;
    }

    private async Task<ActiveSanction[]> LoadFromPostgresAsync(string playerId, CancellationToken ct)
    {
        await using var cmd = postgres.CreateCommand(LoadSql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = playerId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<ActiveSanction>(2);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ActiveSanction(
                reader.GetString(0) == SanctionKinds.Ban,
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return [.. list];
    }

    private bool RedisUsable() =>
        time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _redisSkipUntilTicks) && redis.Multiplexer.IsConnected;

    private void RedisFailed(Exception ex)
    {
        Interlocked.Exchange(ref _redisSkipUntilTicks, (time.GetUtcNow() + options.CurrentValue.RedisBackoff).UtcTicks);
        logger.LogWarning(ex, "Redis failed on the sanction cache; answering from PostgreSQL for {Backoff}", options.CurrentValue.RedisBackoff);
    }

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    private RedisKey ActiveKey(string playerId) => redis.Key(ActiveName(playerId));

    private RedisKey CounterKey(string playerId) => redis.Key(CounterName(playerId));

    // One player's list and invalidation counter share the player's hash tag: the scripts and the MGET touch both.
    internal static string ActiveName(string playerId) => $"sanctions:{RedisKeys.Tag(playerId)}:active";

    internal static string CounterName(string playerId) => $"sanctions:{RedisKeys.Tag(playerId)}:inv";
}

/// <summary>
/// Every replica listens for invalidations so a lift anywhere is seen here at once. The subscription is made
/// during start-up, before the replica serves calls, so a replica never answers from a cache it cannot hear
/// invalidations for; if Redis is down at start it keeps retrying in the background (the 1 s TTL covers the gap).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Not disposed on purpose: a CancellationTokenSource without timers holds nothing, and the host may call StopAsync after disposing services.")]
internal sealed class SanctionCacheSubscriber(RedisConnection redis, SanctionAccessCache cache, ILogger<SanctionCacheSubscriber> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Multiplexer.ConnectionRestored += (_, _) => cache.DropAllLocal();
        if (!await TrySubscribeAsync())
        {
            _ = RetryAsync(_stopping.Token);
        }
        _ = RetryInvalidationsAsync(_stopping.Token);
    }

    // Network retry pacing, in real time on purpose: it is about Redis coming back, not about business time.
    private async Task RetryInvalidationsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                if (cache.PendingInvalidations > 0)
                {
                    await cache.RetryPendingAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                logger.LogWarning(ex, "Retrying sanction cache invalidations failed");
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task RetryAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (await TrySubscribeAsync())
            {
                return;
            }
        }
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            // The multiplexer re-subscribes by itself after reconnects.
            await redis.Subscriber.SubscribeAsync(redis.Channel(SanctionAccessCache.InvalidationChannel), (channel, message) =>
            {
                if (message.HasValue)
                {
                    _ = cache.InvalidatedElsewhereAsync(message!);
                }
            }).WaitAsync(TimeSpan.FromSeconds(3));
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not subscribe to sanction invalidations; retrying");
            return false;
        }
    }
}
