using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Rewards;

/// <summary>
/// The background half of CancelCampaign: withdraws the campaign's mail chunk by chunk, in recipient order, one
/// transaction per chunk with the campaign row locked and its cancel cursor moved in the same transaction (so a
/// crash redoes at most one chunk, and a withdrawal done twice is a no-op). Each chunk goes through
/// <see cref="CommandWithdrawals"/>: never-sent mail is cancelled, sent mail waits for the game server's answer,
/// and with claw_back_delivered applied mail gets a ClawBack.
/// </summary>
public sealed class CampaignCanceller(GmToolsDbContext db, AuditWriter audit, CommandWithdrawals withdrawals, CommandOutbox outbox, IOptions<RewardOptions> options, TimeProvider time)
{
    /// <summary>Runs chunks until the cancel is finished (true) or <paramref name="ct"/> fires (false).</summary>
    public async Task<bool> CancelAsync(long campaignId, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await CancelChunkAsync(campaignId, options.Value.Campaigns.CancelChunkSize, ct))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One chunk in one transaction; true when nothing is left to withdraw.</summary>
    public async Task<bool> CancelChunkAsync(long campaignId, int chunkSize, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await db.LockAsync<Campaign>(campaignId, ct);
        if (campaign is null || campaign.State != CampaignStates.Cancelled || campaign.CancelFinishedAt is not null)
        {
            return true;
        }
        var cursor = campaign.CancelCursor;
        // The primary key (campaign_id, player_id) walks the chunk in order.
        var chunk = await db.Set<CampaignRecipient>()
            .FromSqlInterpolated($"SELECT * FROM campaign_recipients WHERE campaign_id = {campaignId} AND player_id > {cursor} ORDER BY player_id LIMIT {chunkSize}")
            .AsNoTracking().ToListAsync(ct);
        var lines = RewardLines.ToContract(RewardLines.FromJson(campaign.Lines)).ToList();
        var orders = chunk.Select(r => new WithdrawalOrder(r.CommandId, r.GameServerId,
            campaign.ClawBackDelivered ? ClawBack(campaign, r.PlayerId, lines) : null,
            campaign.ClawBackDelivered ? ClawBackCorrelation(campaignId, r.PlayerId) : null)).ToList();
        var answered = (await withdrawals.WithdrawAsync(db, orders, ct)).Select(w => w.CommandId).ToHashSet();
        await ClawBackPurgedAsync(campaign, chunk.Where(r => !answered.Contains(r.CommandId)).ToList(), lines, ct);
        if (chunk.Count > 0)
        {
            campaign.CancelCursor = chunk[^1].PlayerId;
            campaign.Withdrawn += chunk.Count;
        }
        var finished = chunk.Count < chunkSize;
        if (finished)
        {
            campaign.CancelFinishedAt = time.GetUtcNow();
        }
        await db.SaveChangesAsync(ct);
        if (finished)
        {
            await audit.AppendAsync(new AuditEntry("campaign.cancel_finished", "campaign", campaignId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new { campaign.Withdrawn, campaign.ClawBackDelivered }, Reason: campaign.CancelReason ?? "", TicketRef: campaign.TicketRef), ct);
        }
        await tx.CommitAsync(ct);
        return finished;
    }

    /// <summary>
    /// Recipients whose settled mail row the outbox purge already removed: the withdrawal found nothing to decide, so
    /// the outcome the purge left in campaign_recipients decides. Read after the withdrawal's statement, which waited
    /// for (or came after) the purge's commit, so an outcome moved there meanwhile is seen here. Applied mail gets its
    /// ClawBack as a withdrawal of applied mail would; anything else was never delivered.
    /// </summary>
    private async Task ClawBackPurgedAsync(Campaign campaign, List<CampaignRecipient> purged, List<RewardLine> lines, CancellationToken ct)
    {
        if (purged.Count == 0 || !campaign.ClawBackDelivered)
        {
            return;
        }
        var players = purged.Select(r => r.PlayerId).ToList();
        var applied = await db.Set<CampaignRecipient>().AsNoTracking()
            .Where(r => r.CampaignId == campaign.CampaignId && players.Contains(r.PlayerId) && r.SettledOutcome == OutboxOutcomes.Applied)
            .OrderBy(r => r.PlayerId).ToListAsync(ct);
        foreach (var r in applied)
        {
            outbox.Enqueue(db, r.GameServerId, ClawBack(campaign, r.PlayerId, lines), ClawBackCorrelation(campaign.CampaignId, r.PlayerId));
        }
    }

    public static string ClawBackCorrelation(long campaignId, string playerId) => CampaignExpander.CampaignCorrelationPrefix(campaignId) + playerId + ":clawback";

    private static GameCommand ClawBack(Campaign campaign, string playerId, List<RewardLine> lines)
    {
        var claw = new ClawBack { PlayerId = playerId, GrantId = CampaignExpander.CampaignRef(campaign.CampaignId), Reason = campaign.CancelReason ?? "" };
        claw.Lines.AddRange(lines);
        return new GameCommand { ClawBack = claw };
    }
}
