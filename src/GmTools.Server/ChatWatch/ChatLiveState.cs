using GmTools.Server.Infrastructure.Redis;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ContractLine = GmTools.Contracts.V1.ChatLine;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// The live state in Redis, written per ingest batch in three pipelined round trips whatever the batch size (with a
/// few small scripts, so that a batch is about one command per line, not three or four):
/// (1) SET NX per line id to recognise replays, (2) the flood windows (sliding, a sorted set per player) and the wave
/// windows of the new lines, (3) recent lines
/// per game server and channel and per player (capped lists), the flagged-line stream, violation counts, the
/// hottest-offenders sorted set and the live feed message. Every key has a TTL or a cap.
/// When Redis is unreachable every call answers "unavailable" (null/false) at once instead of waiting, and the
/// caller carries on without the live state (see docs/chatwatch.md, "When Redis is gone").
/// </summary>
public sealed class ChatLiveState(RedisConnection redis, IOptionsMonitor<ChatWatchOptions> options, TimeProvider time, ILogger<ChatLiveState> logger)
{
    public const string LiveChannel = "cw:live";

    private long _roundTrips;

    private static readonly TimeSpan FloodSlack = TimeSpan.FromMinutes(1);

    private sealed record WindowCounts(Dictionary<string, long> Before, Dictionary<string, long> Waves);

    /// <summary>
    /// The sliding flood window of one player: a sorted set of line ids scored by the time they were counted. Drops
    /// what left the window, answers how many lines were in it before this batch, adds the batch's lines, keeps only
    /// the newest MaxLines (enough to decide "over the limit": with at least MaxLines in the window the newest MaxLines
    /// are all in it) and expires a window plus a minute after its last line (the scores come from the replicas'
    /// clocks, the expiry from Redis's). One key (cluster-safe), one command in the batch's pipelined round trip.
    /// KEYS[1] the set; ARGV: now (ms), window (ms), max lines, expiry (ms), then the batch's line ids.
    /// </summary>
    private const string FloodScript = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local before = redis.call('ZCARD', KEYS[1])
        local add = {}
        for i = 5, #ARGV do
            add[#add + 1] = now
            add[#add + 1] = ARGV[i]
        end
        redis.call('ZADD', KEYS[1], unpack(add))
        redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return before
        """;

    /// <summary>
    /// Replays: SET NX PX for each of a batch's line ids, one command for the batch (the keys share the game server's
    /// tag, so one slot); answers 1 for a new line, 0 for a replay, in order. KEYS the line ids' keys; ARGV[1] ms.
    /// </summary>
    private const string SeenScript = """
        local fresh = {}
        for i = 1, #KEYS do
            if redis.call('SET', KEYS[i], '1', 'PX', ARGV[1], 'NX') then fresh[i] = 1 else fresh[i] = 0 end
        end
        return fresh
        """;

    /// <summary>One text's wave window: adds the senders, renews the expiry, answers the distinct senders. KEYS[1]; ARGV: ms, senders.</summary>
    private const string WaveScript = """
        redis.call('SADD', KEYS[1], unpack(ARGV, 2))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return redis.call('SCARD', KEYS[1])
        """;

    /// <summary>A capped recent-lines list: pushes the lines (newest first), trims, renews the expiry. KEYS[1]; ARGV: last index kept, ms, lines.</summary>
    private const string PushScript = """
        redis.call('LPUSH', KEYS[1], unpack(ARGV, 3))
        redis.call('LTRIM', KEYS[1], 0, ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 0
        """;

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

    internal static string Rate(string player) => $"cw:rate:{RedisKeys.Tag(player)}";

    // Wave keys count senders across every game server: no unit to tag, each command touches the one key.
    internal static string Wave(long bucket, string key) => $"cw:wave:{bucket}:{key}";

    /// <summary>Which lines are new (SET NX); null when Redis is unavailable.</summary>
    public async Task<bool[]?> MarkSeenAsync(string gameServerId, IReadOnlyList<IncomingLine> lines)
    {
        if (lines.Count == 0)
        {
            return [];
        }
        var ttl = (long)options.CurrentValue.SeenLineTtl.TotalMilliseconds;
        var keys = lines.Select(l => redis.Key(Seen(gameServerId, l.LineId))).ToArray();
        return await RunAsync(async db =>
        {
            var fresh = (RedisResult[])(await db.ScriptEvaluateAsync(SeenScript, keys, [ttl]))!;
            return fresh.Select(r => (long)r == 1).ToArray();
        });
    }

    /// <summary>Counts the new lines in the flood and wave windows; adds the flood/wave matches. False when Redis is unavailable.</summary>
    public async Task<bool> CountWindowsAsync(IReadOnlyList<ScoredLine> lines, CompiledRules rules)
    {
        if (lines.Count == 0 || (!rules.FloodOn && !rules.WaveOn))
        {
            return true;
        }
        var clock = time.GetUtcNow();
        var now = clock.UtcTicks;
        var flood = rules.Book.Flood;
        var wave = rules.Book.Wave;
        var result = await RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var rateTasks = new List<(string Player, Task<RedisResult> Before)>();
            if (rules.FloodOn)
            {
                RedisValue nowMs = clock.ToUnixTimeMilliseconds();
                RedisValue windowMs = Math.Max(1L, (long)flood.Window.TotalMilliseconds);
                RedisValue max = flood.MaxLines;
                RedisValue expiryMs = (long)(flood.Window + FloodSlack).TotalMilliseconds;
                foreach (var g in lines.GroupBy(l => l.Line.SenderPlayerId, StringComparer.Ordinal))
                {
                    var args = new List<RedisValue>(8) { nowMs, windowMs, max, expiryMs };
                    args.AddRange(g.Select(l => (RedisValue)l.Line.LineId));
                    rateTasks.Add((g.Key, batch.ScriptEvaluateAsync(FloodScript, [redis.Key(Rate(g.Key))], [.. args])));
                }
            }
            var waveTasks = new List<(string Key, Task<RedisResult> Senders)>();
            if (rules.WaveOn)
            {
                var bucket = now / wave.Window.Ticks;
                RedisValue expiryMs = (long)(wave.Window * 2).TotalMilliseconds;
                foreach (var g in lines.Where(l => l.WaveKey is not null).GroupBy(l => l.WaveKey!, StringComparer.Ordinal))
                {
                    var args = new List<RedisValue>(4) { expiryMs };
                    args.AddRange(g.Select(l => l.Line.SenderPlayerId).Distinct(StringComparer.Ordinal).Select(p => (RedisValue)p));
                    waveTasks.Add((g.Key, batch.ScriptEvaluateAsync(WaveScript, [redis.Key(Wave(bucket, g.Key))], [.. args])));
                }
            }
            batch.Execute();
            await Task.WhenAll(rateTasks.Select(t => t.Before).Concat(waveTasks.Select(t => t.Senders)));
            return new WindowCounts(
                rateTasks.ToDictionary(t => t.Player, t => (long)t.Before.Result, StringComparer.Ordinal),
                waveTasks.ToDictionary(t => t.Key, t => (long)t.Senders.Result, StringComparer.Ordinal));
        });
        if (result is not { } counts)
        {
            return false;
        }
        var seenInBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var player = line.Line.SenderPlayerId;
            if (counts.Before.TryGetValue(player, out var before))
            {
                // this line's place in the player's window: the lines before the batch, then the batch's in order
                var k = seenInBatch[player] = seenInBatch.GetValueOrDefault(player) + 1;
                if (before + k > flood.MaxLines)
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
            var bytes = contracts.Select(c => c.ToByteArray()).ToArray();
            var payloads = bytes.Select(b => (RedisValue)b).ToArray();
            RedisValue recentTtl = (long)o.RecentLinesTtl.TotalMilliseconds;
            void Push(RedisKey key, int cap, IEnumerable<int> lineIndexes)
            {
                var args = new List<RedisValue>(4) { cap - 1, recentTtl };
                args.AddRange(lineIndexes.Select(i => payloads[i]));
                tasks.Add(batch.ScriptEvaluateAsync(PushScript, [key], [.. args]));
            }
            foreach (var g in Enumerable.Range(0, lines.Count).GroupBy(i => lines[i].Line.Channel, StringComparer.Ordinal))
            {
                Push(redis.Key(Recent(gameServerId, g.Key)), o.RecentLinesPerChannel, g);
            }
            foreach (var g in Enumerable.Range(0, lines.Count).GroupBy(i => lines[i].Line.SenderPlayerId, StringComparer.Ordinal))
            {
                Push(redis.Key(PlayerRecent(g.Key)), o.RecentLinesPerPlayer, g);
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
            tasks.Add(batch.PublishAsync(redis.Channel(LiveChannel), ChatLiveFeed.Pack(bytes)));
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
