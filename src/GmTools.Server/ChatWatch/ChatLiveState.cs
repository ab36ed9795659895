using GmTools.Server.Infrastructure.Redis;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ContractLine = GmTools.Contracts.V1.ChatLine;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// The live state in Redis, written per ingest batch in three pipelined round trips whatever the batch size:
/// (1) SET NX per line id to recognise replays, (2) the flood and wave windows of the new lines, (3) recent lines
/// per game server and channel and per player (capped lists), the flagged-line stream, violation counts, the
/// hottest-offenders sorted set and the live feed message. Every key has a TTL or a cap.
/// When Redis is unreachable every call answers "unavailable" (null/false) at once instead of waiting, and the
/// caller carries on without the live state (see docs/chatwatch.md, "When Redis is gone").
/// </summary>
public sealed class ChatLiveState(RedisConnection redis, IOptionsMonitor<ChatWatchOptions> options, TimeProvider time, ILogger<ChatLiveState> logger)
{
    public const string LiveChannel = "cw:live";

    private long _roundTrips;

    private sealed record WindowCounts(Dictionary<string, (long After, int InBatch)> Rates, Dictionary<string, long> Waves);

    /// <summary>Pipelined batches sent to Redis since start (each one write and its replies): the bench's count.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public bool Connected => redis.Multiplexer.IsConnected;

    // Hash tags (Redis Cluster): a game server's keys carry its id, a player's keys the player's, so one server's
    // chat state stays on one shard; HottestAsync's ZUNION over the offender buckets needs them on one slot.
    internal static string Seen(string gs, string line) => $"cw:seen:{RedisKeys.Tag(gs)}:{line}";

    public static string Recent(string gs, string channel) => $"cw:recent:{RedisKeys.Tag(gs)}:{channel}";

    public static string PlayerRecent(string player) => $"cw:player:{RedisKeys.Tag(player)}";

    public static string Flagged(string gs) => $"cw:flagged:{RedisKeys.Tag(gs)}";

    public static string Violations(string player) => $"cw:violations:{RedisKeys.Tag(player)}";

    public static string Offenders(string gs, long bucket) => $"cw:offenders:{RedisKeys.Tag(gs)}:{bucket}";

    internal static string Rate(string player, long bucket) => $"cw:rate:{RedisKeys.Tag(player)}:{bucket}";

    // Wave keys count senders across every game server: no unit to tag, each command touches the one key.
    internal static string Wave(long bucket, string key) => $"cw:wave:{bucket}:{key}";

    /// <summary>Which lines are new (SET NX); null when Redis is unavailable.</summary>
    public async Task<bool[]?> MarkSeenAsync(string gameServerId, IReadOnlyList<IncomingLine> lines)
    {
        if (lines.Count == 0)
        {
            return [];
        }
        var ttl = options.CurrentValue.SeenLineTtl;
        return await RunAsync(db =>
        {
            var batch = db.CreateBatch();
            var tasks = lines.Select(l => batch.StringSetAsync(redis.Key(Seen(gameServerId, l.LineId)), 1, ttl, When.NotExists)).ToArray();
            batch.Execute();
            return Task.WhenAll(tasks);
        });
    }

    /// <summary>Counts the new lines in the flood and wave windows; adds the flood/wave matches. False when Redis is unavailable.</summary>
    public async Task<bool> CountWindowsAsync(IReadOnlyList<ScoredLine> lines, CompiledRules rules)
    {
        if (lines.Count == 0 || (!rules.FloodOn && !rules.WaveOn))
        {
            return true;
        }
        var now = time.GetUtcNow().UtcTicks;
        var flood = rules.Book.Flood;
        var wave = rules.Book.Wave;
        var result = await RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var rateTasks = new List<(string Player, Task<long> Count, int InBatch)>();
            if (rules.FloodOn)
            {
                var bucket = now / flood.Window.Ticks;
                foreach (var g in lines.GroupBy(l => l.Line.SenderPlayerId, StringComparer.Ordinal))
                {
                    var key = redis.Key(Rate(g.Key, bucket));
                    var n = g.Count();
                    rateTasks.Add((g.Key, batch.StringIncrementAsync(key, n), n));
                    _ = batch.KeyExpireAsync(key, flood.Window * 2);
                }
            }
            var waveTasks = new List<(string Key, Task<long> Senders)>();
            if (rules.WaveOn)
            {
                var bucket = now / wave.Window.Ticks;
                foreach (var g in lines.Where(l => l.WaveKey is not null).GroupBy(l => l.WaveKey!, StringComparer.Ordinal))
                {
                    var key = redis.Key(Wave(bucket, g.Key));
                    _ = batch.SetAddAsync(key, g.Select(l => (RedisValue)l.Line.SenderPlayerId).Distinct().ToArray());
                    _ = batch.KeyExpireAsync(key, wave.Window * 2);
                    waveTasks.Add((g.Key, batch.SetLengthAsync(key)));
                }
            }
            batch.Execute();
            await Task.WhenAll(rateTasks.Select(t => (Task)t.Count).Concat(waveTasks.Select(t => t.Senders)));
            return new WindowCounts(
                rateTasks.ToDictionary(t => t.Player, t => (After: t.Count.Result, t.InBatch), StringComparer.Ordinal),
                waveTasks.ToDictionary(t => t.Key, t => t.Senders.Result, StringComparer.Ordinal));
        });
        if (result is not { } counts)
        {
            return false;
        }
        var seenInBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var player = line.Line.SenderPlayerId;
            if (counts.Rates.TryGetValue(player, out var rate))
            {
                var k = seenInBatch[player] = seenInBatch.GetValueOrDefault(player) + 1;
                var position = rate.After - rate.InBatch + k;
                if (position > flood.MaxLines)
                {
                    line.Matches.Add(ChatMatches.Flood(line.Line.Text));
                }
            }
            if (line.WaveKey is { } wk && counts.Waves.TryGetValue(wk, out var senders) && senders >= wave.MinSenders)
            {
                line.Matches.Add(ChatMatches.Wave(line.Line.Text));
            }
        }
        return true;
    }

    /// <summary>Recent lists, flagged stream, violation counts, offenders and the live feed, in one round trip.</summary>
    public async Task<bool> RecordAsync(string gameServerId, IReadOnlyList<ScoredLine> lines, IReadOnlyList<ContractLine> contracts)
    {
        if (lines.Count == 0)
        {
            return true;
        }
        var o = options.CurrentValue;
        var bucket = time.GetUtcNow().UtcTicks / o.OffenderBucket.Ticks;
        var done = await RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var tasks = new List<Task>();
            var payloads = contracts.Select(c => (RedisValue)c.ToByteArray()).ToArray();
            foreach (var g in Enumerable.Range(0, lines.Count).GroupBy(i => lines[i].Line.Channel, StringComparer.Ordinal))
            {
                var key = redis.Key(Recent(gameServerId, g.Key));
                tasks.Add(batch.ListLeftPushAsync(key, g.Select(i => payloads[i]).ToArray()));
                tasks.Add(batch.ListTrimAsync(key, 0, o.RecentLinesPerChannel - 1));
                tasks.Add(batch.KeyExpireAsync(key, o.RecentLinesTtl));
            }
            foreach (var g in Enumerable.Range(0, lines.Count).GroupBy(i => lines[i].Line.SenderPlayerId, StringComparer.Ordinal))
            {
                var key = redis.Key(PlayerRecent(g.Key));
                tasks.Add(batch.ListLeftPushAsync(key, g.Select(i => payloads[i]).ToArray()));
                tasks.Add(batch.ListTrimAsync(key, 0, o.RecentLinesPerPlayer - 1));
                tasks.Add(batch.KeyExpireAsync(key, o.RecentLinesTtl));
            }
            var flagged = Enumerable.Range(0, lines.Count).Where(i => lines[i].Flagged).ToArray();
            if (flagged.Length > 0)
            {
                var stream = redis.Key(Flagged(gameServerId));
                var offenders = redis.Key(Offenders(gameServerId, bucket));
                foreach (var i in flagged)
                {
                    tasks.Add(batch.StreamAddAsync(stream, "line", payloads[i], maxLength: o.FlaggedStreamLength, useApproximateMaxLength: true));
                }
                foreach (var g in flagged.GroupBy(i => lines[i].Line.SenderPlayerId, StringComparer.Ordinal))
                {
                    tasks.Add(batch.SortedSetIncrementAsync(offenders, g.Key, g.Count()));
                    var violations = redis.Key(Violations(g.Key));
                    foreach (var c in g.GroupBy(i => lines[i].Matches[0].Category, StringComparer.Ordinal))
                    {
                        tasks.Add(batch.HashIncrementAsync(violations, c.Key, c.Count()));
                    }
                    tasks.Add(batch.KeyExpireAsync(violations, o.ViolationTtl));
                }
                tasks.Add(batch.KeyExpireAsync(offenders, o.OffenderBucket * (o.OffenderBuckets + 1)));
            }
            tasks.Add(batch.PublishAsync(redis.Channel(LiveChannel), ChatLiveFeed.Pack(gameServerId, contracts)));
            batch.Execute();
            await Task.WhenAll(tasks);
            return true;
        });
        return done;
    }

    /// <summary>Recent lines of one game server and channel, newest first, from <paramref name="skip"/>; null when Redis is unavailable.</summary>
    public async Task<ContractLine[]?> RecentAsync(string key, int skip, int take) =>
        await RunAsync(async db =>
        {
            var values = await db.ListRangeAsync(redis.Key(key), skip, skip + take - 1);
            return values.Select(v => ContractLine.Parser.ParseFrom((byte[])v!)).ToArray();
        });

    /// <summary>The hottest offenders over the last window; null when Redis is unavailable.</summary>
    public async Task<(string Player, long Lines)[]?> HottestAsync(string gameServerId, int limit)
    {
        var o = options.CurrentValue;
        var bucket = time.GetUtcNow().UtcTicks / o.OffenderBucket.Ticks;
        var keys = Enumerable.Range(0, o.OffenderBuckets).Select(i => redis.Key(Offenders(gameServerId, bucket - i))).ToArray();
        return await RunAsync(async db =>
        {
            var all = await db.SortedSetCombineWithScoresAsync(SetOperation.Union, keys);
            return all.OrderByDescending(e => e.Score).ThenBy(e => (string?)e.Element, StringComparer.Ordinal).Take(limit)
                .Select(e => ((string)e.Element!, (long)e.Score)).ToArray();
        });
    }

    public async Task<Dictionary<string, long>?> ViolationCountsAsync(string playerId) =>
        await RunAsync(async db =>
            (await db.HashGetAllAsync(redis.Key(Violations(playerId)))).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal));

    // One pipelined round trip; unavailable (default) at once when disconnected, so a dead Redis costs no waiting.
    private async Task<T?> RunAsync<T>(Func<IDatabase, Task<T>> work)
    {
        if (!redis.Multiplexer.IsConnected)
        {
            return default;
        }
        Interlocked.Increment(ref _roundTrips);
        try
        {
            return await work(redis.Database);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Chat live state unavailable; carrying on without it");
            return default;
        }
    }
}
