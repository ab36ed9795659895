namespace GmTools.Server.VipCare;

/// <summary>Tiers from thresholds, pure.</summary>
public static class TierRules
{
    /// <summary>The highest tier whose threshold the total reaches; empty below the lowest.</summary>
    public static string TierOf(IReadOnlyList<TierThreshold> tiers, long rechargeTotal) =>
        tiers.Where(t => rechargeTotal >= t.MinRecharge).OrderByDescending(t => t.MinRecharge).FirstOrDefault()?.Name ?? "";

    /// <summary>1 for the lowest tier, 0 for none (or a tier no longer configured).</summary>
    public static int Rank(IReadOnlyList<TierThreshold> tiers, string tier)
    {
        for (var i = 0; i < tiers.Count; i++)
        {
            if (string.Equals(tiers[i].Name, tier, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }
        return 0;
    }

    /// <summary>A move up: from nothing, or from a lower tier (a tier no longer configured counts as none).</summary>
    public static bool IsUpgrade(IReadOnlyList<TierThreshold> tiers, string from, string to) => Rank(tiers, to) > Rank(tiers, from);

    public static bool IsName(string name) =>
        name.Length is > 0 and <= VipCareLimits.TierName && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>What is wrong with a list of thresholds, by field (tiers[i].min_recharge ...); empty when fine.</summary>
    public static IReadOnlyList<(string Field, string Problem)> Problems(IReadOnlyList<TierThreshold> tiers)
    {
        var problems = new List<(string, string)>();
        if (tiers.Count is 0 or > VipCareLimits.MaxTiers)
        {
            problems.Add(("tiers", $"must hold 1 to {VipCareLimits.MaxTiers} tiers"));
            return problems;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tiers.Count; i++)
        {
            if (!IsName(tiers[i].Name))
            {
                problems.Add(($"tiers[{i}].name", $"must be 1 to {VipCareLimits.TierName} lower-case letters, digits or '_'"));
            }
            else if (!seen.Add(tiers[i].Name))
            {
                problems.Add(($"tiers[{i}].name", "is named twice"));
            }
            if (tiers[i].MinRecharge <= 0)
            {
                problems.Add(($"tiers[{i}].min_recharge", "must be positive"));
            }
            else if (i > 0 && tiers[i].MinRecharge <= tiers[i - 1].MinRecharge)
            {
                problems.Add(($"tiers[{i}].min_recharge", $"must be above the threshold before it ({tiers[i - 1].MinRecharge}): thresholds are strictly increasing"));
            }
        }
        return problems;
    }
}

/// <summary>Attempts and reaches in one hour band.</summary>
public sealed record BandStat(int Band, int Attempts, int Reached);

/// <summary>
/// The hour bands of the day (local time) and the choice of when to call again, pure. A miss is retried in the band
/// where this player has been reached most often; without any reach of theirs, the band where players of their tier
/// have; without either, the configured default band. Ties go to the better rate, then the earlier band.
/// </summary>
public sealed class HourBands(int callHoursStart, int callHoursEnd, int bandHours, TimeSpan localOffset)
{
    public int Count => (callHoursEnd - callHoursStart) / bandHours;

    public TimeSpan LocalOffset => localOffset;

    public static HourBands From(VipCareOptions o, TimeSpan localOffset) => new(o.CallHoursStart, o.CallHoursEnd, o.BandHours, localOffset);

    /// <summary>The band a call at this time falls in; null outside the call hours.</summary>
    public int? BandOf(DateTimeOffset at)
    {
        var hour = at.ToOffset(localOffset).Hour;
        return hour >= callHoursStart && hour < callHoursEnd ? (hour - callHoursStart) / bandHours : null;
    }

    public int BandStartingAt(int hour) => (hour - callHoursStart) / bandHours;

    public string Name(int band)
    {
        var from = callHoursStart + band * bandHours;
        return $"{from:00}-{from + bandHours:00}";
    }

    public static int Best(IReadOnlyList<BandStat> player, IReadOnlyList<BandStat> tier, int defaultBand)
    {
        foreach (var stats in new[] { player, tier })
        {
            var best = stats.Where(s => s.Reached > 0)
                .OrderByDescending(s => s.Reached)
                .ThenByDescending(s => (double)s.Reached / s.Attempts)
                .ThenBy(s => s.Band)
                .FirstOrDefault();
            if (best is not null)
            {
                return best.Band;
            }
        }
        return defaultBand;
    }

    /// <summary>The first start of <paramref name="band"/> at least <paramref name="minGap"/> after now.</summary>
    public DateTimeOffset NextStart(int band, DateTimeOffset now, TimeSpan minGap)
    {
        var earliest = (now + minGap).ToOffset(localOffset);
        var start = new DateTimeOffset(earliest.Date, localOffset).AddHours(callHoursStart + band * bandHours);
        return (start < earliest ? start.AddDays(1) : start).ToUniversalTime();
    }
}
