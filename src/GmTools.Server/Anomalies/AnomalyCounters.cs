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
/// a Redis that comes back empty does not forget what it held. Two pipelined round trips per batch, plus one read
/// of PostgreSQL for the sets to rebuild.
/// </summary>
public sealed class AnomalyCounters(RedisConnection redis, TimeProvider time, ILogger<AnomalyCounters> logger)
{
    private static readonly TimeSpan Keep = AnomalyLimits.MaxWindow;

    private RedisKey Set(string player, string kind, string severity) => redis.Key(SetName(player, kind, severity));

    private RedisKey Built(string player, string kind) => redis.Key(BuiltName(player, kind));

    // Tagged per player: one player's windows live on one cluster shard (each command touches one key).
    internal static string SetName(string player, string kind, string severity) => $"an:w:{RedisKeys.Tag(player)}:{kind}:{severity}";

    internal static string BuiltName(string player, string kind) => $"an:b:{RedisKeys.Tag(player)}:{kind}";

    /// <summary>
    /// Counts the stored reports and returns the (player, kind) pairs where some threshold is reached in the live
    /// windows; null when Redis is unavailable (then every pair must be decided from PostgreSQL).
    /// </summary>
    public async Task<IReadOnlyList<(string Player, string Kind)>?> CountAsync(
        GmToolsDbContext db, IReadOnlyList<AnomalyReport> stored, IReadOnlyDictionary<string, AnomalyKindVersion> kinds, CancellationToken ct)
    {
        var pairs = stored.Select(r => (r.PlayerId, r.Kind)).Distinct().Where(p => kinds.TryGetValue(p.Kind, out var k) && k.ThresholdRules.Count > 0).ToList();
        if (pairs.Count == 0)
        {
            return [];
        }
        var built = await redis.TryAsync(async rdb =>
        {
            var batch = rdb.CreateBatch();
            var checks = pairs.Select(p => batch.KeyExistsAsync(Built(p.PlayerId, p.Kind))).ToArray();
            batch.Execute();
            return await Task.WhenAll(checks);
        }, logger, "anomaly windows");
        if (built is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var toRebuild = pairs.Where((_, i) => !built[i]).ToList();
        var entries = stored.ToList();
        if (toRebuild.Count > 0)
        {
            var players = toRebuild.Select(p => p.PlayerId).Distinct().ToArray();
            var since = now - Keep;
            var earlier = await db.Set<AnomalyReport>().AsNoTracking()
                .Where(r => players.Contains(r.PlayerId) && r.OccurredAt > since)
                .Select(r => new AnomalyReport { AnomalyId = r.AnomalyId, PlayerId = r.PlayerId, Kind = r.Kind, Severity = r.Severity, OccurredAt = r.OccurredAt })
                .ToListAsync(ct);
            entries.AddRange(earlier.Where(r => toRebuild.Contains((r.PlayerId, r.Kind))));
        }
        var reached = await redis.TryAsync(async rdb =>
        {
            var batch = rdb.CreateBatch();
            foreach (var g in entries.GroupBy(r => (r.PlayerId, r.Kind, r.Severity)))
            {
                var key = Set(g.Key.PlayerId, g.Key.Kind, g.Key.Severity);
                _ = batch.SortedSetAddAsync(key, [.. g.Select(r => new SortedSetEntry(r.AnomalyId, r.OccurredAt.ToUnixTimeMilliseconds()))]);
                _ = batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, (now - Keep).ToUnixTimeMilliseconds(), Exclude.Stop);
                _ = batch.KeyExpireAsync(key, Keep);
            }
            foreach (var p in toRebuild)
            {
                _ = batch.StringSetAsync(Built(p.PlayerId, p.Kind), 1, Keep);
            }
            var counts = new List<((string, string) Pair, AnomalyThresholdRule Rule, Task<long>[] Counts)>();
            foreach (var p in pairs)
            {
                foreach (var rule in kinds[p.Kind].ThresholdRules)
                {
                    var from = (now - rule.Window).ToUnixTimeMilliseconds();
                    var severities = AnomalySeverities.All.Where(s => AnomalySeverities.Rank(s) >= AnomalySeverities.Rank(rule.MinSeverity));
                    counts.Add((p, rule, [.. severities.Select(s => batch.SortedSetLengthAsync(Set(p.PlayerId, p.Kind, s), from, double.PositiveInfinity))]));
                }
            }
            batch.Execute();
            await Task.WhenAll(counts.SelectMany(c => c.Counts));
            return counts.Where(c => c.Counts.Sum(t => t.Result) >= c.Rule.Count).Select(c => c.Pair).Distinct().ToList();
        }, logger, "anomaly windows");
        return reached;
    }
}
