using GmTools.Server.Infrastructure.Quartz;
using Quartz;

namespace GmTools.Server.Telemetry;

/// <summary>
/// Counts the Quartz jobs this replica ran (by outcome, with their run time) and the triggers it found misfired.
/// Clustered jobs run on one replica at a time, so a job's rate is the sum over the replicas.
/// </summary>
public sealed class QuartzJobMetrics(ServerMetrics metrics) : IJobListener, ITriggerListener
{
    public string Name => "gmtools-metrics";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        metrics.JobRan(context.JobDetail.Key.Name, "vetoed", TimeSpan.Zero);
        return ValueTask.CompletedTask;
    }

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        metrics.JobRan(context.JobDetail.Key.Name, jobException is null ? "succeeded" : "failed", context.JobRunTime);
        return ValueTask.CompletedTask;
    }

    public ValueTask TriggerMisfired(ITrigger trigger, IScheduler scheduler, CancellationToken cancellationToken = default)
    {
        metrics.JobMisfired(trigger.JobKey.Name);
        return ValueTask.CompletedTask;
    }

    public ValueTask TriggerFired(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<bool> VetoJobExecution(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask TriggerComplete(ITrigger trigger, IJobExecutionContext context, SchedulerInstruction triggerInstructionCode, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}

/// <summary>Hangs <see cref="QuartzJobMetrics"/> on the scheduler at start, when this process has one.</summary>
internal sealed class QuartzJobMetricsInstaller(IServiceProvider services, QuartzJobMetrics listener) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName) is { } scheduler)
        {
            // The scheduler is built asynchronously: its properties can be read once one of its methods was awaited.
            await scheduler.GetStatus(cancellationToken);
            scheduler.ListenerManager.AddJobListener(listener, [Matchers.AllJobs()]);
            scheduler.ListenerManager.AddTriggerListener(listener, [Matchers.AllTriggers()]);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
