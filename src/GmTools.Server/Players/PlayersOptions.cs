namespace GmTools.Server.Players;

/// <summary>Section "GmTools:Players". Explicit limits of the players capability.</summary>
public sealed class PlayersOptions
{
    public const string Section = "GmTools:Players";

    /// <summary>Most profiles one SyncPlayers call may carry.</summary>
    public int MaxSyncBatch { get; set; } = 1000;

    /// <summary>Largest search page.</summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>
    /// Least trigram similarity for a fuzzy name match. Higher is faster at scale (the GIN scan drops more
    /// candidates before visiting the table) but tolerates fewer typos in short names; see docs/benchmarks.md.
    /// </summary>
    public float FuzzyThreshold { get; set; } = PlayerQuery.DefaultFuzzyThreshold;

    /// <summary>Statement timeout of one fuzzy search; past it the caller gets RESOURCE_EXHAUSTED.</summary>
    public int FuzzyTimeoutMs { get; set; } = PlayerQuery.DefaultFuzzyTimeoutMs;
}
