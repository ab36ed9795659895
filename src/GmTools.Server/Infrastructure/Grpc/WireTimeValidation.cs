using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Timestamps and durations as sent on the wire can be out of range or unnormalized (nanos of the wrong sign),
/// and converting one throws deep inside a desk. These checks run at the edge and name the field.
/// </summary>
public static class WireTimeValidation
{
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what both protobuf and DateTimeOffset can hold.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    /// <summary>The longest duration accepted anywhere; capabilities apply their own, tighter, limits after this.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365 * 1000);

    /// <summary>A valid timestamp (null passes: presence is the caller's rule).</summary>
    public static Violations Timestamp(this Violations v, string field, Timestamp? value)
    {
        if (value is null)
        {
            return v;
        }
        if (value.Nanos is < 0 or > 999_999_999)
        {
            return v.Add(field, "nanos must be 0..999,999,999");
        }
        return value.Seconds is < MinSeconds or > MaxSeconds ? v.Add(field, "must be between year 1 and year 9999") : v;
    }

    /// <summary>A normalized duration no longer than <see cref="MaxDuration"/> (null passes).</summary>
    public static Violations Duration(this Violations v, string field, Duration? value)
    {
        if (value is null)
        {
            return v;
        }
        if (value.Nanos is < -999_999_999 or > 999_999_999 || (value.Seconds < 0 && value.Nanos > 0) || (value.Seconds > 0 && value.Nanos < 0))
        {
            return v.Add(field, "is not normalized (seconds and nanos must have the same sign, |nanos| < 1e9)");
        }
        // Not Math.Abs: it throws for long.MinValue seconds.
        var max = (long)MaxDuration.TotalSeconds;
        return value.Seconds < -max || value.Seconds > max ? v.Add(field, $"must be at most {MaxDuration.TotalDays:0} days") : v;
    }

    /// <summary>True when <see cref="Timestamp(Violations, string, Timestamp?)"/> would accept it.</summary>
    public static bool IsValid(Timestamp value) => value.Nanos is >= 0 and <= 999_999_999 && value.Seconds is >= MinSeconds and <= MaxSeconds;
}
