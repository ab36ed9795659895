using System.Globalization;
using Quartz;

namespace GmTools.Server.Rewards;

/// <summary>
/// Expands one campaign. One durable job per campaign (key "campaign-{id}"), so DisallowConcurrentExecution
/// means "never two runs for the same campaign" across the cluster. Its trigger repeats until the campaign is
/// expanded or cancelled and then the job deletes itself: if the replica running it dies, the next fire on
/// any live replica resumes from the stored cursor. (RequestRecovery also re-fires it at once when the
/// cluster notices the dead replica.)
/// </summary>
[DisallowConcurrentExecution]
public sealed class CampaignExpansionJob(CampaignExpander expander, ILogger<CampaignExpansionJob> logger) : IJob
{
    public const string Group = "rewards";
    public const string CampaignIdKey = "campaignId";

    public static JobKey KeyFor(long campaignId) => new($"campaign-{campaignId}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var campaignId = long.Parse(context.MergedJobDataMap.GetString(CampaignIdKey)!, CultureInfo.InvariantCulture);
        var outcome = await expander.ExpandAsync(campaignId, cancellationToken);
        logger.LogInformation("Campaign {CampaignId} expansion run ended: {Outcome}", campaignId, outcome);
        if (outcome is ExpansionOutcome.Finished or ExpansionOutcome.NotExpanding)
        {
            await context.Scheduler.DeleteJob(context.JobDetail.Key, CancellationToken.None);
        }
    }

    /// <summary>Quartz runs on the host's TimeProvider, so "now" for the trigger comes from there too.</summary>
    public static async Task ScheduleAsync(ISchedulerFactory factory, long campaignId, DateTimeOffset now, TimeSpan retryInterval, CancellationToken ct)
    {
        var scheduler = await factory.GetScheduler(ct);
        var key = KeyFor(campaignId);
        var job = JobBuilder.Create<CampaignExpansionJob>()
            .WithIdentity(key)
            .UsingJobData(CampaignIdKey, campaignId.ToString(CultureInfo.InvariantCulture))
            .StoreDurably()
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key.Name, key.Group)
            .ForJob(key)
            .StartAt(now)
            .WithSimpleSchedule(s => s.WithInterval(retryInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, ct);
    }

    public static async Task UnscheduleAsync(ISchedulerFactory factory, long campaignId, CancellationToken ct)
    {
        var scheduler = await factory.GetScheduler(ct);
        await scheduler.DeleteJob(KeyFor(campaignId), ct);
    }
}
