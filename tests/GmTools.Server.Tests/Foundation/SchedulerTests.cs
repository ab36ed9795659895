using System.Collections.Concurrent;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GmTools.Server.Tests.Foundation;

public sealed class SchedulerTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    /// <summary>Counts executions per job key, by scheduler instance, so the test can see duplicates.</summary>
    public sealed class CountingJob : IJob
    {
        public static readonly ConcurrentDictionary<string, ConcurrentBag<string>> Runs = new();

        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            Runs.GetOrAdd(context.JobDetail.Key.ToString(), _ => []).Add(context.Scheduler.SchedulerInstanceId);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task The_scheduler_is_persistent_and_clustered_and_a_job_fires_once_across_two_replicas()
    {
        var second = fx.AddReplica();
        _ = second.Server;
        var schedulerA = fx.Server.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        var schedulerB = second.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        var meta = await schedulerA.GetMetadata();
        Assert.True(meta.JobStoreClustered);
        Assert.True(meta.JobStorePersistent);
        Assert.NotEqual(schedulerA.SchedulerInstanceId, schedulerB.SchedulerInstanceId);

        var group = $"g{Guid.NewGuid():N}";
        for (var i = 0; i < 10; i++)
        {
            var job = JobBuilder.Create<CountingJob>().WithIdentity($"job{i}", group).Build();
            var trigger = TriggerBuilder.Create().WithIdentity($"trigger{i}", group).StartNow().Build();
            // Half through each replica: both write the same job store.
            await (i % 2 == 0 ? schedulerA : schedulerB).ScheduleJob(job, trigger);
        }

        // Quartz fires on the real clock; wait for the store to report every trigger done.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && CountingJob.Runs.Count(r => r.Key.StartsWith(group, StringComparison.Ordinal)) < 10)
        {
            await Task.Delay(100);
        }
        await Task.Delay(500); // a duplicate, if any, would land right behind the first run
        var runs = CountingJob.Runs.Where(r => r.Key.StartsWith(group, StringComparison.Ordinal)).ToList();
        Assert.Equal(10, runs.Count);
        Assert.All(runs, r => Assert.Single(r.Value));
    }
}
