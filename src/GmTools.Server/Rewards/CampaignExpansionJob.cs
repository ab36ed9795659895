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

    /// <summary>Fires at once on Quartz's own (system) clock, then every retry interval until the job deletes itself.</summary>
    public static async Task ScheduleAsync(IScheduler scheduler, long campaignId, TimeSpan retryInterval, CancellationToken ct)
    {
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
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(retryInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, ct);
    }

    public static async Task UnscheduleAsync(IScheduler scheduler, long campaignId, CancellationToken ct)
    {
        await scheduler.DeleteJob(KeyFor(campaignId), ct);
    }
}
