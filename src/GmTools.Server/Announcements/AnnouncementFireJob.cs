using Quartz;

namespace GmTools.Server.Announcements;

/// <summary>The clustered due-fires poller: one run at a time across the cluster (the row locks make overlap harmless anyway).</summary>
[DisallowConcurrentExecution]
public sealed class AnnouncementFireJob(AnnouncementDispatcher dispatcher) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await dispatcher.FireDueAsync(cancellationToken);
}
