using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Shutdown;

/// <summary>Section "GmTools:Shutdown": how long a stopping replica drains before it gives up waiting and exits.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "GmTools:Shutdown";

    /// <summary>
    /// The drain phase (after SIGTERM, before the server stops listening): new calls are refused, GameLink streams
    /// are told to reconnect elsewhere and are waited for this long at most; a stream still open then is ended.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The whole stop, drain included (the host's <c>HostOptions.ShutdownTimeout</c>): in-flight calls, running
    /// Quartz jobs and the rest of the shutdown get what is left after the drain. Keep the orchestrator's grace
    /// period (Kubernetes' terminationGracePeriodSeconds) above it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
