using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.GameLink;

/// <summary>Section "GmTools:Outbox": how long settled commands stay in the outbox, and the clustered purge job.</summary>
public sealed class OutboxOptions
{
    public const string Section = "GmTools:Outbox";

    /// <summary>
    /// A command settled (applied, failed, expired, cancelled) this long ago is removed. Long enough that no game
    /// server still answers it (a late ack of a purged row is ignored) and that operators can look delivery up.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan PurgeAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the clustered purge job runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per purge transaction, so the purge never holds many row locks that acks and pulls need.</summary>
    [Range(100, 100_000)]
    public int PurgeBatch { get; set; } = 5_000;
}
