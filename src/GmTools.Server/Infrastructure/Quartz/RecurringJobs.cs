using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace GmTools.Server.Infrastructure.Quartz;

/// <summary>A housekeeping job that fires every <see cref="Interval"/> somewhere in the cluster.</summary>
public sealed record RecurringJob(JobKey Key, Type JobType, TimeSpan Interval);

public static class RecurringJobRegistration
{
    public const string Group = "housekeeping";

    /// <summary>
    /// Declares a clustered recurring job. The job class should carry [DisallowConcurrentExecution]: one run at a
    /// time across all replicas. Its interval is read from options by <paramref name="interval"/> at start.
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, Func<IServiceProvider, TimeSpan> interval)
        where TJob : IJob
    {
        services.AddSingleton(sp => new RecurringJob(new JobKey(name, Group), typeof(TJob), interval(sp)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RecurringJobScheduler>());
        return services;
    }
}

/// <summary>
/// Puts the declared recurring jobs into the shared job store at start. Every replica does this; a trigger that
/// is already there with the same interval is left alone, so a replica's start does not reset the cluster's timer.
/// </summary>
internal sealed class RecurringJobScheduler(IServiceProvider services, IEnumerable<RecurringJob> jobs, ILogger<RecurringJobScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName) is not { } scheduler)
        {
            return; // the scheduler is off in this process (e.g. the migrate verb)
        }
        foreach (var job in jobs)
        {
            var triggerKey = new TriggerKey(job.Key.Name, job.Key.Group);
            if (await scheduler.GetTrigger(triggerKey, cancellationToken) is ISimpleTrigger existing && existing.RepeatInterval == job.Interval)
            {
                continue;
            }
            var detail = JobBuilder.Create().OfType(job.JobType).WithIdentity(job.Key).StoreDurably().Build();
            var trigger = TriggerBuilder.Create()
                .WithIdentity(triggerKey)
                .ForJob(job.Key)
                .StartAt(DateTimeOffset.UtcNow + job.Interval)
                .WithSimpleSchedule(s => s.WithInterval(job.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                .Build();
            try
            {
                await scheduler.ScheduleJob(detail, [trigger], ScheduleJobOptions.Replacing, cancellationToken);
                logger.LogInformation("Recurring job {Job} scheduled every {Interval}", job.Key, job.Interval);
            }
            catch (ObjectAlreadyExistsException)
            {
                // another replica scheduled it at the same moment
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
