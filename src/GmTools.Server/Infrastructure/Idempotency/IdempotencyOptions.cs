using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Idempotency;

/// <summary>Section "GmTools:Idempotency".</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "GmTools:Idempotency";

    /// <summary>
    /// How long a used key and its stored response are kept. A retry later than this is a new request, so it must
    /// be longer than any client keeps retrying (clients retry for minutes; a day leaves room for a night's outage).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the clustered purge job removes expired keys.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per purge transaction, so a purge never holds many locks at once.</summary>
    [Range(100, 1_000_000)]
    public int PurgeBatch { get; set; } = 10_000;
}
