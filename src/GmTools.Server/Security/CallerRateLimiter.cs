using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Security;

/// <summary>Section "GmTools:RateLimits". Per caller, per replica: calls a second and the burst above it.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "GmTools:RateLimits";

    [Range(0.001, double.MaxValue)]
    public double StaffPerSecond { get; set; } = 50;
    [Range(1, double.MaxValue)]
    public double StaffBurst { get; set; } = 200;
    [Range(0.001, double.MaxValue)]
    public double GameServerPerSecond { get; set; } = 100_000;
    [Range(1, double.MaxValue)]
    public double GameServerBurst { get; set; } = 200_000;
}

/// <summary>
/// A token bucket per caller, driven by <see cref="TimeProvider"/>. It lives in each replica's memory: a
/// limit spread over N replicas admits up to N times the rate, which is acceptable for a guard against
/// runaway scripts (hard business limits such as grant budgets are enforced in PostgreSQL).
/// </summary>
public sealed class CallerRateLimiter(IOptionsMonitor<RateLimitOptions> options, TimeProvider time)
{
    private sealed class Bucket
    {
        public double Tokens;
        public long LastTicks;
    }

    // Keyed by (kind, id) rather than a formatted string: this runs on every call, the gate included.
    private readonly ConcurrentDictionary<(CallerKind Kind, string Id), Bucket> _buckets = new();

    public bool TryAcquire(Caller caller)
    {
        if (caller.Kind == CallerKind.System)
        {
            return true;
        }
        var o = options.CurrentValue;
        var (rate, burst) = caller.Kind == CallerKind.GameServer ? (o.GameServerPerSecond, o.GameServerBurst) : (o.StaffPerSecond, o.StaffBurst);
        var nowTicks = time.GetUtcNow().UtcTicks;
        var bucket = _buckets.GetOrAdd((caller.Kind, caller.Id), _ => new Bucket { Tokens = burst, LastTicks = nowTicks });
        lock (bucket)
        {
            var elapsed = Math.Max(0, nowTicks - bucket.LastTicks) / (double)TimeSpan.TicksPerSecond;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + elapsed * rate);
            bucket.LastTicks = nowTicks;
            if (bucket.Tokens < 1)
            {
                return false;
            }
            bucket.Tokens -= 1;
            return true;
        }
    }
}
