using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.ChatWatch;

/// <summary>Section "GmTools:ChatWatch": the live state's caps and lifetimes, and how often replicas look for new rules.</summary>
public sealed class ChatWatchOptions
{
    public const string Section = "GmTools:ChatWatch";

    /// <summary>Recent lines kept per game server and channel (a capped Redis list).</summary>
    [Range(1, 100_000)]
    public int RecentLinesPerChannel { get; set; } = 1000;

    /// <summary>Recent lines kept per player, for the dossier.</summary>
    [Range(1, 1000)]
    public int RecentLinesPerPlayer { get; set; } = 50;

    /// <summary>How long a quiet channel's or player's recent lines live.</summary>
    public TimeSpan RecentLinesTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a line id is remembered to recognise a replay (Redis; PostgreSQL remembers flagged lines for good):
    /// a replay within this window is always recognised, one up to a bucket later may be.
    /// </summary>
    public TimeSpan SeenLineTtl { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// The replay window is kept as this many time buckets per game server (one Redis set each, expiring whole), plus
    /// the current one: more buckets hold less beyond the window, fewer cost fewer lookups per line.
    /// </summary>
    [Range(1, 24)]
    public int SeenLineBuckets { get; set; } = 3;

    /// <summary>Per-player violation counts live this long after the last violation.</summary>
    public TimeSpan ViolationTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The hottest-offenders window: this many buckets of <see cref="OffenderBucket"/>.</summary>
    public TimeSpan OffenderBucket { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 288)]
    public int OffenderBuckets { get; set; } = 12;

    /// <summary>Flagged lines kept in each game server's Redis stream (approximate cap).</summary>
    [Range(100, 1_000_000)]
    public int FlaggedStreamLength { get; set; } = 10_000;

    /// <summary>The safety net under pub/sub: each replica asks PostgreSQL for the newest rule version this often.</summary>
    public TimeSpan RulePollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Dismissed flags (not evidence of any sanction) are deleted this long after the decision.</summary>
    public TimeSpan DismissedFlagRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the flag purge runs somewhere in the cluster.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Flags deleted per statement by the purge.</summary>
    [Range(100, 100_000)]
    public int PurgeBatch { get; set; } = 5000;

    /// <summary>Lines a live watcher may fall behind before the oldest are dropped for it.</summary>
    [Range(10, 100_000)]
    public int WatchBuffer { get; set; } = 2000;
}
