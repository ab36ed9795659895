using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Quartz;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Rewards;

/// <summary>
/// Compensation campaigns: draft → (append ids) → submit → approve by another person → background expansion
/// (see <see cref="CampaignExpander"/>), with preview, progress and cancel.
/// </summary>
public sealed class CampaignDesk(GmToolsDbContext db, AuditWriter audit, RequestContext request, IOptions<RewardOptions> options, TimeProvider time, IServiceProvider services)
{
    private Caller Caller => request.Caller;

    public async Task<Campaign> CreateAsync(CampaignOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var valuePerPlayer = await RewardLines.PriceAsync(db, order.Lines, ct);
        var campaign = new Campaign
        {
            Creator = Caller.Id,
            State = CampaignStates.Draft,
            Lines = RewardLines.ToJson(order.Lines),
            ValuePerPlayer = valuePerPlayer,
            Reason = order.Reason,
            TicketRef = order.TicketRef,
            MailTitle = order.MailTitle,
            MailBody = order.MailBody,
            CreatedAt = time.GetUtcNow(),
            TargetKind = order.Target.Kind,
            TargetGameServers = [.. order.Target.GameServerIds],
            WindowStart = order.Target.WindowStart,
            WindowEnd = order.Target.WindowEnd,
        };
        Caller.EnsureMayCreateCampaign(campaign.TargetKind);
        await EnsureGameServersAsync(campaign.TargetGameServers, ct);
        db.Add(campaign);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.create", "campaign", Id(campaign),
            new { campaign.TargetKind, campaign.TargetGameServers, campaign.WindowStart, campaign.WindowEnd, lines = order.Lines, campaign.ValuePerPlayer },
            Reason: order.Reason, TicketRef: order.TicketRef), ct);
        await tx.CommitAsync(ct);
        return campaign;
    }

    private async Task EnsureGameServersAsync(string[] ids, CancellationToken ct)
    {
        var known = await db.Set<GameServerEntity>().AsNoTracking().Where(g => ids.Contains(g.GameServerId)).Select(g => g.GameServerId).ToListAsync(ct);
        var missing = ids.Where(id => !known.Contains(id) || !Caller.SeesGameServer(id)).ToList();
        if (missing.Count > 0)
        {
            throw GrpcErrors.NotFound($"unknown game server(s): {string.Join(", ", missing)}");
        }
    }

    /// <summary>All ids must be known players the caller may act on, or nothing of the call is kept.</summary>
    public async Task<long> AppendPlayersAsync(long campaignId, IReadOnlyList<string> playerIds, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        if (campaign.TargetKind != CampaignTargets.PlayerList)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} targets {campaign.TargetKind}, not an uploaded list");
        }
        if (campaign.State != CampaignStates.Draft)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}; players can be added only to a draft");
        }
        var ids = playerIds.ToArray();
        var found = await db.Set<Player>().AsNoTracking().Where(p => ids.Contains(p.PlayerId)).Select(p => new { p.PlayerId, p.GameServerId }).ToListAsync(ct);
        var visible = found.Where(p => Caller.SeesPlayer(p.GameServerId)).Select(p => p.PlayerId).ToHashSet(StringComparer.Ordinal);
        var missing = ids.Where(id => !visible.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            throw GrpcErrors.NotFound($"unknown player(s): {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", ..." : "")}");
        }
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO campaign_uploaded_players (campaign_id, player_id) SELECT @id, unnest(@ids) ON CONFLICT DO NOTHING",
            (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());
        cmd.Parameters.AddWithValue("id", campaignId);
        cmd.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        var added = await cmd.ExecuteNonQueryAsync(ct);
        campaign.UploadedPlayers += added;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.append_players", "campaign", Id(campaign), new { added, total = campaign.UploadedPlayers },
            Reason: campaign.Reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        return campaign.UploadedPlayers;
    }

    public async Task<Campaign> SubmitAsync(long campaignId, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        if (campaign.State != CampaignStates.Draft)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}, not a draft");
        }
        if (campaign.TargetKind == CampaignTargets.PlayerList && campaign.UploadedPlayers == 0)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} has no players yet; append some first");
        }
        campaign.State = CampaignStates.PendingApproval;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.submit", "campaign", Id(campaign), Reason: campaign.Reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        return campaign;
    }

    /// <summary>
    /// Counts who the campaign reaches, per game server. Bounded: at most <see cref="CampaignOptions.MaxConcurrentPreviews"/>
    /// at once per replica and <see cref="CampaignOptions.PreviewTimeout"/> each (a statement timeout); past either,
    /// RESOURCE_EXHAUSTED — a read permission must not be enough to keep PostgreSQL counting ten million rows at will.
    /// </summary>
    public async Task<CampaignPreview> PreviewAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await GetAsync(campaignId, ct);
        var settings = options.Value.Campaigns;
        using var slot = services.GetRequiredService<CampaignPreviewGate>().TryEnter()
            ?? throw GrpcErrors.ResourceExhausted($"{settings.MaxConcurrentPreviews} campaign preview(s) are already running on this server; try again shortly");
        var (from, _) = CampaignTargetSql.For(campaign);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)tx.GetDbTransaction();
        await using (var timeout = new NpgsqlCommand("SELECT set_config('statement_timeout', @ms, true)", connection, transaction))
        {
            timeout.Parameters.AddWithValue("ms", ((long)settings.PreviewTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            await timeout.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand($"SELECT p.game_server_id, count(*) FROM {from} GROUP BY p.game_server_id ORDER BY p.game_server_id", connection, transaction);
        CampaignTargetSql.AddParameters(cmd, campaign);
        var perServer = new List<(string, long)>();
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                perServer.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested)
        {
            throw GrpcErrors.ResourceExhausted($"the preview was stopped after {settings.PreviewTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; it reaches too many players to count on request");
        }
        var total = perServer.Sum(p => p.Item2);
        return new CampaignPreview(perServer, total, RewardLines.Times(campaign.ValuePerPlayer, total));
    }

    /// <summary>
    /// Approves and schedules the expansion. Approving a campaign that is already expanding schedules it
    /// again (idempotent): the way to restart one whose scheduling was lost between commit and schedule.
    /// </summary>
    public async Task<Campaign> ApproveAsync(long campaignId, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        EnsureNotCreator(campaign);
        var scheduler = services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        if (scheduler is null)
        {
            throw GrpcErrors.FailedPrecondition("the scheduler is off on this replica; campaigns cannot be expanded");
        }
        if (campaign.State == CampaignStates.Expanding)
        {
            await tx.RollbackAsync(ct);
            await CampaignExpansionJob.ScheduleAsync(scheduler, campaignId, options.Value.Campaigns.RetryInterval, ct);
            return campaign;
        }
        if (campaign.State != CampaignStates.PendingApproval)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}, not pending approval");
        }
        campaign.State = CampaignStates.Expanding;
        Decide(campaign, reason);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.approve", "campaign", Id(campaign), new { campaign.Creator, campaign.ValuePerPlayer },
            Reason: reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        await CampaignExpansionJob.ScheduleAsync(scheduler, campaignId, options.Value.Campaigns.RetryInterval, ct);
        return campaign;
    }

    public async Task<Campaign> RejectAsync(long campaignId, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        EnsureNotCreator(campaign);
        if (campaign.State != CampaignStates.PendingApproval)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}, not pending approval");
        }
        campaign.State = CampaignStates.Rejected;
        Decide(campaign, reason);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.reject", "campaign", Id(campaign), new { campaign.Creator }, Reason: reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        return campaign;
    }

    /// <summary>
    /// Stops expansion at once (the expansion's next chunk locks the campaign row and finds it cancelled, so the
    /// recipients are final when this commits) and hands the withdrawal of the mail to the background
    /// (<see cref="CampaignCanceller"/>, a clustered job): no request holds a million row locks.
    /// </summary>
    public async Task<CampaignView> CancelAsync(CancelCampaignOrder order, CancellationToken ct)
    {
        var (campaignId, reason, clawBackDelivered) = order;
        await using var tx = await db.BeginWorkAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        if (campaign.State is CampaignStates.Cancelled or CampaignStates.Rejected)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}");
        }
        var wasExpanding = campaign.State is CampaignStates.Expanding or CampaignStates.Expanded;
        campaign.State = CampaignStates.Cancelled;
        campaign.CancelledBy = Caller.Id;
        campaign.CancelledAt = time.GetUtcNow();
        campaign.CancelReason = reason;
        campaign.ClawBackDelivered = clawBackDelivered;
        if (!wasExpanding)
        {
            campaign.CancelFinishedAt = campaign.CancelledAt; // a draft or pending campaign has no mail
        }
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.cancel", "campaign", Id(campaign), new { campaign.ExpandedCount, clawBackDelivered },
            Reason: reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        if (services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName) is { } scheduler)
        {
            if (wasExpanding)
            {
                await CampaignCancelJob.FireNowAsync(scheduler, ct);
            }
            await CampaignExpansionJob.UnscheduleAsync(scheduler, campaignId, ct);
        }
        return new CampaignView(campaign, await ProgressAsync(campaignId, ct));
    }

    public async Task<Campaign> GetAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await db.Set<Campaign>().AsNoTracking().FirstOrDefaultAsync(c => c.CampaignId == campaignId, ct);
        return Caller.VisibleCampaign(campaign, campaignId);
    }

    /// <summary>The campaign and its counters: two small reads, whatever the number of recipients.</summary>
    public async Task<CampaignView> ViewAsync(long campaignId, CancellationToken ct) =>
        new(await GetAsync(campaignId, ct), await ProgressAsync(campaignId, ct));

    /// <summary>Newest first; a scoped caller sees only campaigns whose every target server it sees (player lists: unscoped callers only).</summary>
    public async Task<(List<CampaignView> Page, string NextPageToken)> ListAsync(string? state, int pageSize, string pageToken, CancellationToken ct)
    {
        var size = PageToken.Size(pageSize, 200);
        var cursor = PageToken.Decode(pageToken, "page_token");
        long? before = cursor is null ? null : long.TryParse(cursor, CultureInfo.InvariantCulture, out var c) ? c : throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        var q = db.Set<Campaign>().AsNoTracking();
        if (state is not null)
        {
            q = q.Where(x => x.State == state);
        }
        // Scope is the shared per-row rule (SeesCampaign); pages are refilled until full or the table ends.
        var visible = new List<Campaign>();
        var scanBelow = before;
        while (visible.Count <= size)
        {
            var scan = scanBelow is { } below ? q.Where(x => x.CampaignId < below) : q;
            var rows = await scan.OrderByDescending(x => x.CampaignId).Take(size + 1).ToListAsync(ct);
            visible.AddRange(rows.Where(Caller.SeesCampaign));
            if (rows.Count <= size)
            {
                break;
            }
            scanBelow = rows[^1].CampaignId;
        }
        var next = visible.Count > size ? PageToken.Encode(visible[size - 1].CampaignId.ToString(CultureInfo.InvariantCulture)) : "";
        var page = visible.Take(size).ToList();
        var ids = page.Select(p => p.CampaignId).ToList();
        var progress = await ProgressAsync(ids, ct);
        return (page.Select(p => new CampaignView(p, progress.GetValueOrDefault(p.CampaignId, CampaignProgress.None))).ToList(), next);
    }

    /// <summary>
    /// The campaign now, then each time its state or counters change, until it is settled (see
    /// <see cref="IsSettled"/>). Each look is the two small reads of <see cref="ViewAsync"/>, every WatchInterval.
    /// </summary>
    public async IAsyncEnumerable<CampaignView> WatchAsync(long campaignId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        CampaignView? last = null;
        while (true)
        {
            var now = await ViewAsync(campaignId, ct);
            if (last is null || !SameProgress(last, now))
            {
                yield return now;
            }
            if (IsSettled(now))
            {
                yield break;
            }
            last = now;
            await Task.Delay(options.Value.Campaigns.WatchInterval, time, ct);
        }
    }

    /// <summary>Nothing more will change: rejected, or every recipient's mail answered or withdrawn.</summary>
    public static bool IsSettled(CampaignView v) => v.Campaign.State switch
    {
        CampaignStates.Rejected => true,
        CampaignStates.Cancelled => v.Campaign.CancelFinishedAt is not null && v.Progress.Delivered + v.Progress.Failed + v.Progress.Cancelled >= v.Campaign.ExpandedCount,
        CampaignStates.Expanded => v.Progress.Delivered + v.Progress.Failed + v.Progress.Cancelled >= v.Campaign.ExpandedCount,
        _ => false,
    };

    private static bool SameProgress(CampaignView a, CampaignView b) =>
        a.Progress == b.Progress && a.Campaign.State == b.Campaign.State && a.Campaign.ExpandedCount == b.Campaign.ExpandedCount
        && a.Campaign.Withdrawn == b.Campaign.Withdrawn && a.Campaign.CancelFinishedAt == b.Campaign.CancelFinishedAt;

    public async Task<CampaignProgress> ProgressAsync(long campaignId, CancellationToken ct) =>
        (await ProgressAsync([campaignId], ct)).GetValueOrDefault(campaignId, CampaignProgress.None);

    private async Task<Dictionary<long, CampaignProgress>> ProgressAsync(List<long> campaignIds, CancellationToken ct) =>
        await db.Set<CampaignProgressRow>().AsNoTracking()
            .Where(p => campaignIds.Contains(p.CampaignId))
            .GroupBy(p => p.CampaignId)
            .Select(g => new { g.Key, Delivered = g.Sum(p => p.Delivered), Failed = g.Sum(p => p.Failed), Cancelled = g.Sum(p => p.Cancelled), ClawedBack = g.Sum(p => p.ClawedBack) })
            .ToDictionaryAsync(g => g.Key, g => new CampaignProgress(g.Delivered, g.Failed, g.Cancelled, g.ClawedBack), ct);

    private async Task<Campaign> LockAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await db.LockAsync<Campaign>(campaignId, ct);
        return Caller.VisibleCampaign(campaign, campaignId);
    }

    private void EnsureNotCreator(Campaign campaign)
    {
        Caller.EnsureSomeoneElse("a campaign must be decided by someone other than its creator", campaign.Creator);
    }

    private void Decide(Campaign campaign, string reason)
    {
        campaign.DecidedBy = Caller.Id;
        campaign.DecidedAt = time.GetUtcNow();
        campaign.DecisionReason = reason;
    }

    private static string Id(Campaign c) => c.CampaignId.ToString(CultureInfo.InvariantCulture);
}
