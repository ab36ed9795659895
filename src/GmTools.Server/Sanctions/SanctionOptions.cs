using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Sanctions;

/// <summary>Section "GmTools:Sanctions".</summary>
public sealed class SanctionOptions
{
    public const string Section = "GmTools:Sanctions";

    /// <summary>The reason codes a sanction may carry.</summary>
    public List<string> ReasonCodes { get; set; } = [];

    public TimeSpan MaxMuteDuration { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan MaxBanDuration { get; set; } = TimeSpan.FromDays(3650);
    public bool PermanentMuteAllowed { get; set; }
    public bool PermanentBanAllowed { get; set; } = true;

    /// <summary>
    /// Offense ladder per reason code: the n-th counted offense gets step n (the last step repeats).
    /// Each step is a TimeSpan ("1.00:00:00") or "permanent". Mute and ban ladders are separate.
    /// </summary>
    public Dictionary<string, LadderOptions> Ladders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>More players than this sanctioned by one staff member within a minute needs a supervisor.</summary>
    [Range(1, 100_000)]
    public int GuardRailPlayersPerMinute { get; set; } = 10;

    [Range(1, 10_000)]
    public int MaxBulkPlayers { get; set; } = 1000;

    /// <summary>
    /// Who decides appeals besides "neither the issuer nor the filer": false = any other GM with the permission
    /// (and the scope); true = only a supervisor or admin.
    /// </summary>
    public bool AppealsDecidedBySupervisor { get; set; }

    public TimeSpan BulkPreviewLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a replica trusts its in-process copy without hearing from Redis pub/sub.</summary>
    public TimeSpan LocalCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    public int LocalCacheMaxPlayers { get; set; } = 500_000;

    /// <summary>Bounds how long a Redis entry can be stale if a replica died before its invalidation reached Redis.</summary>
    public TimeSpan RedisCacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A Redis call slower than this counts as a failure and falls back to PostgreSQL.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After a Redis failure, CheckAccess goes straight to PostgreSQL for this long.</summary>
    public TimeSpan RedisBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Every sanction in force held in process (<see cref="ActiveSanctionSet"/>).</summary>
    public AccessSetOptions AccessSet { get; set; } = new();

    internal static readonly string[] DefaultReasonCodes =
        ["chat_abuse", "gold_selling", "cheating", "botting", "real_money_trade", "impersonation", "other"];

    private static readonly Dictionary<string, LadderOptions> DefaultLadders = new(StringComparer.Ordinal)
    {
        ["chat_abuse"] = new() { Mute = ["01:00:00", "1.00:00:00", "7.00:00:00"] },
        ["gold_selling"] = new() { Mute = ["1.00:00:00", "7.00:00:00"], Ban = ["7.00:00:00", "30.00:00:00", "permanent"] },
        ["cheating"] = new() { Ban = ["7.00:00:00", "permanent"] },
        ["botting"] = new() { Ban = ["3.00:00:00", "30.00:00:00", "permanent"] },
        ["real_money_trade"] = new() { Ban = ["7.00:00:00", "30.00:00:00", "permanent"] },
    };

    public IReadOnlyList<string> EffectiveReasonCodes => ReasonCodes.Count > 0 ? ReasonCodes : DefaultReasonCodes;

    /// <summary>The configured ladders, or the built-in ones when none are configured.</summary>
    public IReadOnlyDictionary<string, LadderOptions> EffectiveLadders => Ladders.Count > 0 ? Ladders : DefaultLadders;
}

/// <summary>Section "GmTools:Sanctions:AccessSet".</summary>
public sealed class AccessSetOptions
{
    /// <summary>false: CheckAccess goes through the short in-process entry, Redis and PostgreSQL for every miss.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often a replica reads what changed (the bound on how stale it can be when a message is lost).</summary>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often entries whose sanctions have all ended are dropped.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Above this many sanctioned players the set is not used (memory bound; about 200 bytes a player).</summary>
    public int MaxPlayers { get; set; } = 5_000_000;
}

public sealed class LadderOptions
{
    public List<string> Mute { get; set; } = [];
    public List<string> Ban { get; set; } = [];
}
