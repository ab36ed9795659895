using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Players;

/// <summary>Section "GmTools:Players". Explicit limits of the players capability.</summary>
public sealed class PlayersOptions
{
    public const string Section = "GmTools:Players";

    /// <summary>Most profiles one SyncPlayers call may carry.</summary>
    [Range(1, 10_000)]
    public int MaxSyncBatch { get; set; } = 1000;

    /// <summary>Largest search page.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>
    /// Least trigram similarity a fuzzy name match more than two edits from the query needs (names within two
    /// edits always match), for short queries. Longer queries ask for more, up to <see cref="FuzzyThresholdCap"/>
    /// (<see cref="PlayerQuery.ThresholdFor"/>). The cost of a search does not depend on it (docs/benchmarks.md).
    /// </summary>
    [Range(0d, 1d, MinimumIsExclusive = true)]
    public float FuzzyThreshold { get; set; } = PlayerQuery.DefaultFuzzyThreshold;

    /// <summary>The most similarity a fuzzy search ever asks for (long queries).</summary>
    [Range(0d, 1d, MinimumIsExclusive = true)]
    public float FuzzyThresholdCap { get; set; } = PlayerQuery.DefaultFuzzyThresholdCap;

    /// <summary>Statement timeout of one fuzzy search; past it the caller gets RESOURCE_EXHAUSTED.</summary>
    [Range(1, int.MaxValue)]
    public int FuzzyTimeoutMs { get; set; } = PlayerQuery.DefaultFuzzyTimeoutMs;
}
