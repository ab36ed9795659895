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
/// <para>One script call per batch (<see cref="CountScript"/>: for every player and kind of the batch add, trim,
/// expire, count every threshold), in one round trip; a second round trip, after one read of PostgreSQL, only for the
/// windows to rebuild. Why per batch and not per player: a script call has its own cost in Redis (argument parsing,
/// the Lua call) and in this process (a command and a task each), and a batch of 100 reports touches ~100 players.
/// So the keys are tagged by the reporting game server (one batch's keys share one cluster slot); a very large batch
/// is split into calls of <see cref="PairsPerCall"/> players so that no one script holds Redis for long.</para>
/// </summary>
public sealed class AnomalyCounters(RedisConnection redis, TimeProvider time, ILogger<AnomalyCounters> logger)
{
    private static readonly TimeSpan Keep = AnomalyLimits.MaxWindow;

    /// <summary>Players (player+kind pairs) one script call counts at most.</summary>
    internal const int PairsPerCall = 100;

    private const int KeysPerPair = 1 + 4; // the built marker, then the sets of severities 1..4

    /// <summary>
    /// KEYS: per pair, the built marker then the sets of severities 1..4. ARGV: rebuild (0: answer -1 for a pair and
    /// touch nothing of it when its marker is missing; 1: set it), trim-below score, TTL seconds, pair count, then per
    /// pair: entry count, per entry (severity rank, score, member), threshold count, per threshold (from score, count,
    /// minimum rank). Answers per pair: 1 when some threshold is reached, 0 when none is, -1 when the windows must be
    /// rebuilt first.
    /// </summary>
    internal const string CountScript = """
        local rebuild = ARGV[1] == '1'
        local cutoff, keep, npairs = '(' .. ARGV[2], ARGV[3], tonumber(ARGV[4])
        local answers, i = {}, 5
        for p = 1, npairs do
          local k = (p - 1) * 5
          local n = tonumber(ARGV[i])
          i = i + 1
          if not rebuild and redis.call('EXISTS', KEYS[k + 1]) == 0 then
            i = i + 3 * n
            i = i + 1 + 3 * tonumber(ARGV[i])
            answers[p] = -1
          else
            local touched = {}
            for _ = 1, n do
              local s = tonumber(ARGV[i])
              redis.call('ZADD', KEYS[k + 1 + s], ARGV[i + 1], ARGV[i + 2])
              touched[s] = true
              i = i + 3
            end
            for s in pairs(touched) do
              redis.call('ZREMRANGEBYSCORE', KEYS[k + 1 + s], '-inf', cutoff)
              redis.call('EXPIRE', KEYS[k + 1 + s], keep)
            end
            if rebuild then redis.call('SET', KEYS[k + 1], '1', 'EX', keep) end
            local rules, reached = tonumber(ARGV[i]), 0
            i = i + 1
            for _ = 1, rules do
              local from, need, min, count = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), 0
              for s = math.max(min, 1), 4 do
                count = count + redis.call('ZCOUNT', KEYS[k + 1 + s], from, '+inf')
              end
              if count >= need then reached = 1 end
              i = i + 3
            end
            answers[p] = reached
          end
        end
        return answers
        """;

    private RedisKey Set(string gameServer, string player, string kind, string severity) => redis.Key(SetName(gameServer, player, kind, severity));

    private RedisKey Built(string gameServer, string player, string kind) => redis.Key(BuiltName(gameServer, player, kind));

    // Tagged per reporting game server: one batch's windows live on one cluster shard (one script touches them all).
    // The player and kind follow the tag; a kind is [a-z0-9_] and the severity a name, so no two triples collide.
    internal static string SetName(string gameServer, string player, string kind, string severity) =>
        $"an:w:{RedisKeys.Tag(gameServer)}:{player}:{kind}:{severity}";

    internal static string BuiltName(string gameServer, string player, string kind) => $"an:b:{RedisKeys.Tag(gameServer)}:{player}:{kind}";

    /// <summary>
    /// Counts the stored reports and returns the (player, kind) pairs where some threshold is reached in the live
    /// windows; null when Redis is unavailable (then every pair must be decided from PostgreSQL).
    /// </summary>
    public async Task<IReadOnlyList<(string Player, string Kind)>?> CountAsync(
        GmToolsDbContext db, string gameServerId, IReadOnlyList<AnomalyReport> stored, IReadOnlyDictionary<string, AnomalyKindVersion> kinds, CancellationToken ct)
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
        var first = await redis.TryAsync(rdb => RunAsync(rdb, gameServerId, [.. pairs], kinds, now, rebuild: false), logger, "anomaly windows");
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
        var rebuiltKinds = toRebuild.Select(p => p.Kind).Distinct().ToArray();
        var since = now - Keep;
        var earlier = await db.Set<AnomalyReport>().AsNoTracking()
            .Where(r => players.Contains(r.PlayerId) && rebuiltKinds.Contains(r.Kind) && r.OccurredAt > since)
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
        var second = await redis.TryAsync(rdb => RunAsync(rdb, gameServerId, [.. rebuild], kinds, now, rebuild: true), logger, "anomaly windows");
        if (second is null)
        {
            return null;
        }
        reached.AddRange(second.Where(x => x.Answer == 1).Select(x => x.Pair));
        return reached;
    }

    private async Task<((string Player, string Kind) Pair, long Answer)[]> RunAsync(IDatabase rdb, string gameServerId,
        KeyValuePair<(string Player, string Kind), List<AnomalyReport>>[] pairs, IReadOnlyDictionary<string, AnomalyKindVersion> kinds,
        DateTimeOffset now, bool rebuild)
    {
        var cutoff = (now - Keep).ToUnixTimeMilliseconds();
        var keep = (long)Keep.TotalSeconds;
        var batch = rdb.CreateBatch();
        var calls = new List<Task<RedisResult>>((pairs.Length + PairsPerCall - 1) / PairsPerCall);
        for (var from = 0; from < pairs.Length; from += PairsPerCall)
        {
            var chunk = pairs.AsSpan(from, Math.Min(PairsPerCall, pairs.Length - from));
            var keys = new RedisKey[KeysPerPair * chunk.Length];
            var args = new List<RedisValue>(4 + 8 * chunk.Length) { rebuild ? 1 : 0, cutoff, keep, chunk.Length };
            for (var p = 0; p < chunk.Length; p++)
            {
                var ((player, kind), reports) = chunk[p];
                keys[KeysPerPair * p] = Built(gameServerId, player, kind);
                for (var s = 0; s < AnomalySeverities.All.Count; s++)
                {
                    keys[KeysPerPair * p + 1 + s] = Set(gameServerId, player, kind, AnomalySeverities.All[s]);
                }
                args.Add(reports.Count);
                foreach (var r in reports)
                {
                    args.Add(Math.Max(1, AnomalySeverities.Rank(r.Severity)));
                    args.Add(r.OccurredAt.ToUnixTimeMilliseconds());
                    args.Add(r.AnomalyId.ToString(CultureInfo.InvariantCulture));
                }
                var rules = kinds[kind].ThresholdRules;
                args.Add(rules.Count);
                foreach (var rule in rules)
                {
                    args.Add((now - rule.Window).ToUnixTimeMilliseconds());
                    args.Add(rule.Count);
                    args.Add(AnomalySeverities.Rank(rule.MinSeverity));
                }
            }
            calls.Add(batch.ScriptEvaluateAsync(CountScript, keys, [.. args]));
        }
        batch.Execute();
        var answers = new List<long>(pairs.Length);
        foreach (var call in calls)
        {
            answers.AddRange(((RedisResult[])(await call)!).Select(a => (long)a));
        }
        return [.. pairs.Select((p, i) => (p.Key, answers[i]))];
    }
}
