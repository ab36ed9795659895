using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GmTools.Server.Rewards;

/// <summary>
/// Finishes cancelled campaigns: withdraws their mail chunk by chunk (<see cref="CampaignCanceller"/>). A clustered
/// recurring job (one run at a time across the replicas), so a cancel whose replica died, or that was made on a
/// replica without a scheduler, is carried on by the next run from its stored cursor; CancelCampaign also fires it
/// at once when its replica has a scheduler.
/// </summary>
[DisallowConcurrentExecution]
public sealed class CampaignCancelJob(GmToolsDbContext db, CampaignCanceller canceller, ILogger<CampaignCancelJob> logger) : IJob
{
    public const string Name = "campaign-cancels";

    public static readonly JobKey Key = new(Name, RecurringJobRegistration.Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var unfinished = await db.Set<Campaign>().AsNoTracking()
            .Where(c => c.State == CampaignStates.Cancelled && c.CancelFinishedAt == null)
            .OrderBy(c => c.CampaignId).Select(c => c.CampaignId).Take(100)
            .ToListAsync(cancellationToken);
        foreach (var id in unfinished)
        {
            var finished = await canceller.CancelAsync(id, cancellationToken);
            logger.LogInformation("Campaign {CampaignId} cancel run ended (finished: {Finished})", id, finished);
        }
    }

    /// <summary>Runs the job now somewhere in the cluster (it also runs on its own every interval).</summary>
    public static async Task FireNowAsync(IScheduler scheduler, CancellationToken ct) => await scheduler.TriggerJob(Key, ct);
}
