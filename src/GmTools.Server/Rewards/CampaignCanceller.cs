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
public sealed class CampaignCanceller(GmToolsDbContext db, AuditWriter audit, CommandWithdrawals withdrawals, IOptions<RewardOptions> options, TimeProvider time)
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
        var campaign = await db.Set<Campaign>().FromSqlInterpolated($"SELECT * FROM campaigns WHERE campaign_id = {campaignId} FOR UPDATE").FirstOrDefaultAsync(ct);
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
        await withdrawals.WithdrawAsync(db, orders, ct);
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

    public static string ClawBackCorrelation(long campaignId, string playerId) => CampaignExpander.CampaignCorrelationPrefix(campaignId) + playerId + ":clawback";

    private static GameCommand ClawBack(Campaign campaign, string playerId, List<RewardLine> lines)
    {
        var claw = new ClawBack { PlayerId = playerId, GrantId = CampaignExpander.CampaignRef(campaign.CampaignId), Reason = campaign.CancelReason ?? "" };
        claw.Lines.AddRange(lines);
        return new GameCommand { ClawBack = claw };
    }
}
