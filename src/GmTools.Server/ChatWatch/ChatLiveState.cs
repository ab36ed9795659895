using GmTools.Server.Infrastructure.Redis;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ContractLine = GmTools.Contracts.V1.ChatLine;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// The live state in Redis, written per ingest batch in three pipelined round trips whatever the batch size, each
/// holding one script per cluster slot rather than one command per player or per line:
/// (1) the replay markers (a set of line ids per game server per time bucket), (2) the flood windows (sliding, a
/// sorted set per player, tagged by the game server) and the wave windows of the new lines (sharded by text over
/// <see cref="WaveShards"/> tags), (3) recent lines per game server and channel and per player (capped lists), the
/// flagged-line stream, violation counts, the hottest-offenders sorted set and the live feed message. Every key has a
/// TTL or a cap. A batch comes from one game server and speaks only for its players, so what it touches of a player's
/// flood window and recent list shares the server's slot.
/// When Redis is unreachable every call answers "unavailable" (null/false) at once instead of waiting, and the
/// caller carries on without the live state (see docs/chatwatch.md, "When Redis is gone").
/// </summary>
public sealed class ChatLiveState(RedisConnection redis, IOptionsMonitor<ChatWatchOptions> options, TimeProvider time, ILogger<ChatLiveState> logger)
{
    public const string LiveChannel = "cw:live";

    /// <summary>Wave windows are spread over this many hash tags: a batch's wave script is one per tag it touches.</summary>
    public const int WaveShards = 16;

    private long _roundTrips;

    private static readonly TimeSpan FloodSlack = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Replays, exact within <see cref="ChatWatchOptions.SeenLineTtl"/>: a game server's line ids are kept in one set per
    /// time bucket (<see cref="ChatWatchOptions.SeenLineBuckets"/> buckets cover the window). A line is new unless
    /// one of the buckets that may still hold it (the window's, plus the next one for replicas whose clock is
    /// behind) has it; new ones are added to the current bucket, which expires a window and a bucket after its
    /// last addition, so whole buckets go at once and the key count is a few per game server.
    /// KEYS[1] the current bucket, KEYS[2..] the others; ARGV[1] the expiry (ms), ARGV[2..] the line ids (distinct).
    /// Answers 1 for a new line, 0 for a replay, in order.
    /// </summary>
    private const string SeenScript = """
        local ids = {unpack(ARGV, 2)}
        local fresh = {}
        for i = 1, #ids do fresh[i] = 1 end
        for k = 1, #KEYS do
            local found = redis.call('SMISMEMBER', KEYS[k], unpack(ids))
            for i = 1, #ids do
                if found[i] == 1 then fresh[i] = 0 end
            end
        end
        local add = {}
        for i = 1, #ids do
            if fresh[i] == 1 then add[#add + 1] = ids[i] end
        end
        if #add > 0 then
            redis.call('SADD', KEYS[1], unpack(add))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
        end
        return fresh
        """;

    /// <summary>
    /// The sliding flood windows of a batch's players: per player a sorted set of line ids scored by the time they were
    /// counted. Answers how many lines were in each window before this batch, adds the batch's lines, keeps only the
    /// newest MaxLines (enough to decide "over the limit": with at least MaxLines in the window the newest MaxLines are
    /// all in it, and older members are not counted) and expires a window plus a minute after its last line (the
    /// scores come from the replicas' clocks, the expiry from Redis's).
    /// KEYS the players' sets (one game server's tag); ARGV: now (ms), "(" + window start (ms), max lines, expiry (ms),
    /// then per key: how many line ids, the ids.
    /// </summary>
    private const string FloodScript = """
        local now = ARGV[1]
        local trim = -(tonumber(ARGV[3]) + 1)
        local before = {}
        local a = 5
        for k = 1, #KEYS do
            local n = tonumber(ARGV[a])
            before[k] = redis.call('ZCOUNT', KEYS[k], ARGV[2], '+inf')
            local add = {}
            for i = a + 1, a + n do
                add[#add + 1] = now
                add[#add + 1] = ARGV[i]
            end
            a = a + n + 1
            redis.call('ZADD', KEYS[k], unpack(add))
            redis.call('ZREMRANGEBYRANK', KEYS[k], 0, trim)
            redis.call('PEXPIRE', KEYS[k], ARGV[4])
        end
        return before
        """;

    /// <summary>
    /// Texts' wave windows (one shard's tag): adds the senders, renews the expiry, answers each text's distinct senders.
    /// KEYS the texts' sets; ARGV[1] ms, then per key: how many senders, the senders.
    /// </summary>
    private const string WaveScript = """
        local counts = {}
        local a = 2
        for k = 1, #KEYS do
            local n = tonumber(ARGV[a])
            redis.call('SADD', KEYS[k], unpack(ARGV, a + 1, a + n))
            a = a + n + 1
            redis.call('PEXPIRE', KEYS[k], ARGV[1])
            counts[k] = redis.call('SCARD', KEYS[k])
        end
        return counts
        """;

    /// <summary>
    /// A batch's capped recent-lines lists (one game server's tag): each gets its lines pushed (newest first), trimmed,
    /// its expiry renewed. Each line's bytes travel once however many lists hold it.
    /// KEYS the lists; ARGV[1] ms, ARGV[2] the number of lines P, ARGV[3..P+2] the lines, then per key: last index
    /// kept, how many lines, their numbers (1-based, oldest first).
    /// </summary>
    private const string PushScript = """
        local p = tonumber(ARGV[2])
        local a = p + 3
        for k = 1, #KEYS do
            local keep = ARGV[a]
            local n = tonumber(ARGV[a + 1])
            local lines = {}
            for i = a + 2, a + n + 1 do
                lines[#lines + 1] = ARGV[tonumber(ARGV[i]) + 2]
            end
            a = a + n + 2
            redis.call('LPUSH', KEYS[k], unpack(lines))
            redis.call('LTRIM', KEYS[k], 0, keep)
            redis.call('PEXPIRE', KEYS[k], ARGV[1])
        end
        return 0
        """;

    /// <summary>Pipelined batches sent to Redis since start (each one write and its replies): the bench's count.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public bool Connected => redis.Multiplexer.IsConnected;

    // Hash tags (Redis Cluster): a game server's keys carry its id, so one server's chat state stays on one shard and
    // each of a batch's scripts touches one slot; HottestAsync's ZUNION over the offender buckets needs them on one
    // slot too. A player's flood window and recent list are the player's on their game server (a game server speaks
    // only for its own players). Violation counts stay tagged by the player.
    internal static string Seen(string gs, long bucket) => $"cw:seen:{RedisKeys.Tag(gs)}:{bucket}";

    public static string Recent(string gs, string channel) => $"cw:recent:{RedisKeys.Tag(gs)}:{channel}";

    public static string PlayerRecent(string gs, string player) => $"cw:player:{RedisKeys.Tag(gs)}:{player}";

    public static string Flagged(string gs) => $"cw:flagged:{RedisKeys.Tag(gs)}";

    public static string Violations(string player) => $"cw:violations:{RedisKeys.Tag(player)}";

    public static string Offenders(string gs, long bucket) => $"cw:offenders:{RedisKeys.Tag(gs)}:{bucket}";

    internal static string Rate(string gs, string player) => $"cw:rate:{RedisKeys.Tag(gs)}:{player}";

    // Wave keys count senders across every game server: no server to tag, so texts are spread over a fixed set of
    // tags by a hash every replica computes alike, and a batch's texts of one tag go in one script.
    internal static string Wave(long bucket, string key) => $"cw:wave:{{w{WaveShard(key)}}}:{bucket}:{key}";

    /// <summary>FNV-1a over the text's UTF-16 units: the same on every replica and every run (string.GetHashCode is not).</summary>
    internal static int WaveShard(string key)
    {
        var h = 2166136261u;
        foreach (var c in key)
        {
            h = (h ^ c) * 16777619u;
        }
        return (int)(h % WaveShards);
    }

    /// <summary>Which lines are new; null when Redis is unavailable. The lines' ids are distinct.</summary>
    public async Task<bool[]?> MarkSeenAsync(string gameServerId, IReadOnlyList<IncomingLine> lines)
    {
        if (lines.Count == 0)
        {
            return [];
        }
        var o = options.CurrentValue;
        var buckets = Math.Max(1, o.SeenLineBuckets);
        var bucketTicks = Math.Max(1, o.SeenLineTtl.Ticks / buckets);
        var current = time.GetUtcNow().UtcTicks / bucketTicks;
        // the current bucket first (it takes the new ids), then the window's earlier ones and the next one
        var keys = new RedisKey[buckets + 2];
        keys[0] = redis.Key(Seen(gameServerId, current));
        for (var i = 1; i <= buckets; i++)
        {
            keys[i] = redis.Key(Seen(gameServerId, current - i));
        }
        keys[buckets + 1] = redis.Key(Seen(gameServerId, current + 1));
        var args = new RedisValue[lines.Count + 1];
        args[0] = (long)(o.SeenLineTtl + TimeSpan.FromTicks(bucketTicks) + FloodSlack).TotalMilliseconds;
        for (var i = 0; i < lines.Count; i++)
        {
            args[i + 1] = lines[i].LineId;
        }
        return await RunAsync(async db =>
        {
            var fresh = (RedisResult[])(await db.ScriptEvaluateAsync(SeenScript, keys, args))!;
            var answer = new bool[fresh.Length];
            for (var i = 0; i < fresh.Length; i++)
            {
                answer[i] = (long)fresh[i] == 1;
            }
            return answer;
        });
    }

    /// <summary>Counts a batch's new lines in the flood and wave windows; adds the flood/wave matches. False when Redis is unavailable.</summary>
    public async Task<bool> CountWindowsAsync(string gameServerId, IReadOnlyList<ScoredLine> lines, CompiledRules rules)
    {
        if (lines.Count == 0 || (!rules.FloodOn && !rules.WaveOn))
        {
            return true;
        }
        var clock = time.GetUtcNow();
        var flood = rules.Book.Flood;
        var wave = rules.Book.Wave;

        // per player, the batch's line ids in order (a player's k-th line is over when before + k > MaxLines)
        var players = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (rules.FloodOn)
        {
            foreach (var l in lines)
            {
                if (!players.TryGetValue(l.Line.SenderPlayerId, out var ids))
                {
                    players[l.Line.SenderPlayerId] = ids = new List<string>(2);
                }
                ids.Add(l.Line.LineId);
            }
        }
        // per wave shard, per text, its distinct senders
        var shards = new Dictionary<string, HashSet<string>>?[WaveShards];
        if (rules.WaveOn)
        {
            foreach (var l in lines)
            {
                if (l.WaveKey is not { } key)
                {
                    continue;
                }
                var texts = shards[WaveShard(key)] ??= new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                if (!texts.TryGetValue(key, out var senders))
                {
                    texts[key] = senders = new HashSet<string>(StringComparer.Ordinal);
                }
                senders.Add(l.Line.SenderPlayerId);
            }
        }

        var result = await RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            Task<RedisResult>? floodTask = null;
            if (players.Count > 0)
            {
                var keys = new RedisKey[players.Count];
                var args = new List<RedisValue>(4 + players.Count + lines.Count)
                {
                    clock.ToUnixTimeMilliseconds(),
                    "(" + (clock - flood.Window).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    flood.MaxLines,
                    (long)(flood.Window + FloodSlack).TotalMilliseconds,
                };
                var k = 0;
                foreach (var (player, ids) in players)
                {
                    keys[k++] = redis.Key(Rate(gameServerId, player));
                    args.Add(ids.Count);
                    foreach (var id in ids)
                    {
                        args.Add(id);
                    }
                }
                floodTask = batch.ScriptEvaluateAsync(FloodScript, keys, [.. args]);
            }
            var waveTasks = new List<(string[] Texts, Task<RedisResult> Senders)>();
            var bucket = clock.UtcTicks / wave.Window.Ticks;
            RedisValue waveExpiryMs = (long)(wave.Window * 2).TotalMilliseconds;
            foreach (var texts in shards)
            {
                if (texts is null)
                {
                    continue;
                }
                var names = new string[texts.Count];
                var keys = new RedisKey[texts.Count];
                var args = new List<RedisValue>(1 + texts.Count * 2) { waveExpiryMs };
                var k = 0;
                foreach (var (text, senders) in texts)
                {
                    names[k] = text;
                    keys[k++] = redis.Key(Wave(bucket, text));
                    args.Add(senders.Count);
                    foreach (var sender in senders)
                    {
                        args.Add(sender);
                    }
                }
                waveTasks.Add((names, batch.ScriptEvaluateAsync(WaveScript, keys, [.. args])));
            }
            batch.Execute();
            var before = new Dictionary<string, long>(players.Count, StringComparer.Ordinal);
            if (floodTask is not null)
            {
                var counts = (RedisResult[])(await floodTask)!;
                var k = 0;
                foreach (var player in players.Keys)
                {
                    before[player] = (long)counts[k++];
                }
            }
            var waves = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (names, task) in waveTasks)
            {
                var counts = (RedisResult[])(await task)!;
                for (var i = 0; i < names.Length; i++)
                {
                    waves[names[i]] = (long)counts[i];
                }
            }
            return (Before: before, Waves: waves);
        });
        if (result is not { Before: { } floodBefore, Waves: { } waveSenders })
        {
            return false;
        }
        var seenInBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var player = line.Line.SenderPlayerId;
            if (floodBefore.TryGetValue(player, out var before))
            {
                // this line's place in the player's window: the lines before the batch, then the batch's in order
                var k = seenInBatch[player] = seenInBatch.GetValueOrDefault(player) + 1;
                if (before + k > flood.MaxLines)
                {
                    line.Matches.Add(ChatMatches.Flood(line.Line.Text));
                }
            }
            if (line.WaveKey is { } wk && waveSenders.TryGetValue(wk, out var senders) && senders >= wave.MinSenders)
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
        var bytes = new byte[contracts.Count][];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = contracts[i].ToByteArray();
        }
        // every list the batch touches (its channels', its players'), with the batch's line numbers for it
        var lists = new Dictionary<string, (int Cap, List<int> Lines)>(StringComparer.Ordinal);
        void Into(string key, int cap, int line)
        {
            if (!lists.TryGetValue(key, out var list))
            {
                lists[key] = list = (cap, new List<int>(2));
            }
            list.Lines.Add(line);
        }
        for (var i = 0; i < lines.Count; i++)
        {
            Into(Recent(gameServerId, lines[i].Line.Channel), o.RecentLinesPerChannel, i);
            Into(PlayerRecent(gameServerId, lines[i].Line.SenderPlayerId), o.RecentLinesPerPlayer, i);
        }
        var pushKeys = new RedisKey[lists.Count];
        var pushArgs = new List<RedisValue>(2 + bytes.Length + lists.Count * 2 + lines.Count * 2)
        {
            (long)o.RecentLinesTtl.TotalMilliseconds,
            bytes.Length,
        };
        foreach (var b in bytes)
        {
            pushArgs.Add(b);
        }
        var next = 0;
        foreach (var (key, (cap, numbers)) in lists)
        {
            pushKeys[next++] = redis.Key(key);
            pushArgs.Add(cap - 1);
            pushArgs.Add(numbers.Count);
            foreach (var n in numbers)
            {
                pushArgs.Add(n + 1);
            }
        }
        var done = await RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var tasks = new List<Task>
            {
                batch.ScriptEvaluateAsync(PushScript, pushKeys, [.. pushArgs]),
            };
            var flagged = Enumerable.Range(0, lines.Count).Where(i => lines[i].Flagged).ToArray();
            if (flagged.Length > 0)
            {
                var stream = redis.Key(Flagged(gameServerId));
                var offenders = redis.Key(Offenders(gameServerId, bucket));
                foreach (var i in flagged)
                {
                    tasks.Add(batch.StreamAddAsync(stream, "line", bytes[i], maxLength: o.FlaggedStreamLength, useApproximateMaxLength: true));
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
