using System.Globalization;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace GmTools.Server.Anomalies;

/// <summary>
/// The live sliding windows in Redis: one sorted set per player, kind and severity (member = anomaly id, score =
/// when it happened), so any threshold (its window, its minimum severity) is a ZCOUNT over a few sets. The sets are
/// a fast trigger only: PostgreSQL holds the reports, and a crossing is decided there (<see cref="AnomalyPolicyDesk"/>).
/// A set that is missing (Redis restarted, flushed or evicted) is rebuilt from PostgreSQL before it is counted, so
/// a Redis that comes back empty does not forget what it held.
/// <para>One script call per player and kind (<see cref="CountScript"/>: add, trim, expire, count every threshold),
/// all of a batch pipelined in one round trip; a second round trip, after one read of PostgreSQL, only for the
/// windows to rebuild. A script's keys are all the player's (one hash tag), so it runs on one cluster shard.</para>
/// </summary>
public sealed class AnomalyCounters(RedisConnection redis, TimeProvider time, ILogger<AnomalyCounters> logger)
{
    private static readonly TimeSpan Keep = AnomalyLimits.MaxWindow;

    /// <summary>
    /// KEYS: the built marker, then the sets of severities 1..4. ARGV: rebuild (0: answer -1 and touch nothing when the
    /// marker is missing; 1: set it), trim-below score, TTL seconds, entry count, then per entry (severity rank, score,
    /// member), then threshold count, then per threshold (from score, count, minimum rank). Answers 1 when some
    /// threshold is reached, 0 when none is, -1 when the windows must be rebuilt first.
    /// </summary>
    internal const string CountScript = """
        local rebuild = ARGV[1] == '1'
        if not rebuild and redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        local cutoff, keep, n = '(' .. ARGV[2], ARGV[3], tonumber(ARGV[4])
        local touched, i = {}, 5
        for _ = 1, n do
          local s = tonumber(ARGV[i])
          redis.call('ZADD', KEYS[1 + s], ARGV[i + 1], ARGV[i + 2])
          touched[s] = true
          i = i + 3
        end
        for s in pairs(touched) do
          redis.call('ZREMRANGEBYSCORE', KEYS[1 + s], '-inf', cutoff)
          redis.call('EXPIRE', KEYS[1 + s], keep)
        end
        if rebuild then redis.call('SET', KEYS[1], '1', 'EX', keep) end
        local rules, reached = tonumber(ARGV[i]), 0
        i = i + 1
        for _ = 1, rules do
          local from, need, min, count = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), 0
          for s = math.max(min, 1), 4 do
            count = count + redis.call('ZCOUNT', KEYS[1 + s], from, '+inf')
          end
          if count >= need then reached = 1 end
          i = i + 3
        end
        return reached
        """;

    private RedisKey Set(string player, string kind, string severity) => redis.Key(SetName(player, kind, severity));

    private RedisKey Built(string player, string kind) => redis.Key(BuiltName(player, kind));

    // Tagged per player: one player's windows live on one cluster shard (each script touches one player's keys).
    internal static string SetName(string player, string kind, string severity) => $"an:w:{RedisKeys.Tag(player)}:{kind}:{severity}";

    internal static string BuiltName(string player, string kind) => $"an:b:{RedisKeys.Tag(player)}:{kind}";

    /// <summary>
    /// Counts the stored reports and returns the (player, kind) pairs where some threshold is reached in the live
    /// windows; null when Redis is unavailable (then every pair must be decided from PostgreSQL).
    /// </summary>
    public async Task<IReadOnlyList<(string Player, string Kind)>?> CountAsync(
        GmToolsDbContext db, IReadOnlyList<AnomalyReport> stored, IReadOnlyDictionary<string, AnomalyKindVersion> kinds, CancellationToken ct)
    {
        var pairs = new Dictionary<(string Player, string Kind), List<AnomalyReport>>();
        foreach (var r in stored)
        {
            if (kinds.TryGetValue(r.Kind, out var k) && k.ThresholdRules.Count > 0)
            {
                if (!pairs.TryGetValue((r.PlayerId, r.Kind), out var list))
                {
                    pairs[(r.PlayerId, r.Kind)] = list = [];
                }
                list.Add(r);
            }
        }
        if (pairs.Count == 0)
        {
            return [];
        }
        var now = time.GetUtcNow();
        var first = await redis.TryAsync(rdb => RunAsync(rdb, [.. pairs], kinds, now, rebuild: false), logger, "anomaly windows");
        if (first is null)
        {
            return null;
        }
        var reached = first.Where(x => x.Answer == 1).Select(x => x.Pair).ToList();
        var toRebuild = first.Where(x => x.Answer < 0).Select(x => x.Pair).ToList();
        if (toRebuild.Count == 0)
        {
            return reached;
        }
        // Missing windows: everything the record holds for them within the longest window kept (this batch's reports
        // are committed, so they are among them).
        var players = toRebuild.Select(p => p.Player).Distinct().ToArray();
        var since = now - Keep;
        var earlier = await db.Set<AnomalyReport>().AsNoTracking()
            .Where(r => players.Contains(r.PlayerId) && r.OccurredAt > since)
            .Select(r => new AnomalyReport { AnomalyId = r.AnomalyId, PlayerId = r.PlayerId, Kind = r.Kind, Severity = r.Severity, OccurredAt = r.OccurredAt })
            .ToListAsync(ct);
        var rebuild = toRebuild.ToDictionary(p => p, p => new List<AnomalyReport>(pairs[p]));
        foreach (var r in earlier)
        {
            if (rebuild.TryGetValue((r.PlayerId, r.Kind), out var list))
            {
                list.Add(r);
            }
        }
        var second = await redis.TryAsync(rdb => RunAsync(rdb, [.. rebuild], kinds, now, rebuild: true), logger, "anomaly windows");
        if (second is null)
        {
            return null;
        }
        reached.AddRange(second.Where(x => x.Answer == 1).Select(x => x.Pair));
        return reached;
    }

    private async Task<((string Player, string Kind) Pair, long Answer)[]> RunAsync(IDatabase rdb,
        KeyValuePair<(string Player, string Kind), List<AnomalyReport>>[] pairs, IReadOnlyDictionary<string, AnomalyKindVersion> kinds,
        DateTimeOffset now, bool rebuild)
    {
        var cutoff = (now - Keep).ToUnixTimeMilliseconds();
        var keep = (long)Keep.TotalSeconds;
        var batch = rdb.CreateBatch();
        var calls = new Task<RedisResult>[pairs.Length];
        for (var p = 0; p < pairs.Length; p++)
        {
            var ((player, kind), reports) = pairs[p];
            var rules = kinds[kind].ThresholdRules;
            var keys = new RedisKey[1 + AnomalySeverities.All.Count];
            keys[0] = Built(player, kind);
            for (var s = 0; s < AnomalySeverities.All.Count; s++)
            {
                keys[1 + s] = Set(player, kind, AnomalySeverities.All[s]);
            }
            var args = new RedisValue[5 + 3 * reports.Count + 3 * rules.Count];
            var i = 0;
            args[i++] = rebuild ? 1 : 0;
            args[i++] = cutoff;
            args[i++] = keep;
            args[i++] = reports.Count;
            foreach (var r in reports)
            {
                args[i++] = Math.Max(1, AnomalySeverities.Rank(r.Severity));
                args[i++] = r.OccurredAt.ToUnixTimeMilliseconds();
                args[i++] = r.AnomalyId.ToString(CultureInfo.InvariantCulture);
            }
            args[i++] = rules.Count;
            foreach (var rule in rules)
            {
                args[i++] = (now - rule.Window).ToUnixTimeMilliseconds();
                args[i++] = rule.Count;
                args[i++] = AnomalySeverities.Rank(rule.MinSeverity);
            }
            calls[p] = batch.ScriptEvaluateAsync(CountScript, keys, args);
        }
        batch.Execute();
        var answers = await Task.WhenAll(calls);
        return [.. pairs.Select((p, i) => (p.Key, (long)answers[i]))];
    }
}
