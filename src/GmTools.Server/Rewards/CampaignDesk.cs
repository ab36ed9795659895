using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Quartz;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Rewards;

public sealed record CampaignProgress(long Delivered, long Failed, long Cancelled);

public sealed record CampaignPreview(IReadOnlyList<(string GameServerId, long Recipients)> PerServer, long Total, long TotalValue);

/// <summary>
/// Compensation campaigns: draft → (append ids) → submit → approve by another person → background expansion
/// (see <see cref="CampaignExpander"/>), with preview, progress and cancel.
/// </summary>
public sealed class CampaignDesk(GmToolsDbContext db, AuditWriter audit, RequestContext request, IOptions<RewardOptions> options, TimeProvider time, IServiceProvider services)
{
    private Caller Caller => request.Caller;

    public async Task<Campaign> CreateAsync(CreateCampaignRequest r, CancellationToken ct)
    {
        var lines = r.Lines.Select(l => new Line(l.ItemId, l.Count)).ToList();
        await using var tx = await db.BeginWorkAsync(ct);
        var valuePerPlayer = await RewardLines.PriceAsync(db, lines, ct);
        var campaign = new Campaign
        {
            Creator = Caller.Id,
            State = CampaignStates.Draft,
            Lines = RewardLines.ToJson(lines),
            ValuePerPlayer = valuePerPlayer,
            Reason = r.Reason,
            TicketRef = r.TicketRef,
            MailTitle = r.MailTitle,
            MailBody = r.MailBody,
            CreatedAt = time.GetUtcNow(),
        };
        switch (r.TargetCase)
        {
            case CreateCampaignRequest.TargetOneofCase.GameServers:
                campaign.TargetKind = CampaignTargets.GameServers;
                campaign.TargetGameServers = [.. r.GameServers.GameServerIds.Order(StringComparer.Ordinal)];
                break;
            case CreateCampaignRequest.TargetOneofCase.IncidentWindow:
                campaign.TargetKind = CampaignTargets.IncidentWindow;
                campaign.TargetGameServers = [r.IncidentWindow.GameServerId];
                campaign.WindowStart = r.IncidentWindow.Start.ToDateTimeOffset();
                campaign.WindowEnd = r.IncidentWindow.End.ToDateTimeOffset();
                break;
            default:
                campaign.TargetKind = CampaignTargets.PlayerList;
                break;
        }
        await EnsureGameServersAsync(campaign.TargetGameServers, ct);
        db.Add(campaign);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.create", "campaign", Id(campaign),
            new { campaign.TargetKind, campaign.TargetGameServers, campaign.WindowStart, campaign.WindowEnd, lines, campaign.ValuePerPlayer },
            Reason: r.Reason, TicketRef: r.TicketRef), ct);
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

    public async Task<CampaignPreview> PreviewAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await GetAsync(campaignId, ct);
        var (from, _) = CampaignTargetSql.For(campaign);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand($"SELECT p.game_server_id, count(*) FROM {from} GROUP BY p.game_server_id ORDER BY p.game_server_id", connection);
            CampaignTargetSql.AddParameters(cmd, campaign);
            var perServer = new List<(string, long)>();
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    perServer.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }
            var total = perServer.Sum(p => p.Item2);
            return new CampaignPreview(perServer, total, RewardLines.Times(campaign.ValuePerPlayer, total));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Approves and schedules the expansion. Approving a campaign that is already expanding schedules it
    /// again (idempotent): the way to restart one whose scheduling was lost between commit and schedule.
    /// </summary>
    /// <param name="schedule">False only for a caller that runs <see cref="CampaignExpander"/> itself (the benchmark).</param>
    public async Task<Campaign> ApproveAsync(long campaignId, string reason, CancellationToken ct, bool schedule = true)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        EnsureNotCreator(campaign);
        var scheduler = services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        if (schedule && scheduler is null)
        {
            throw GrpcErrors.FailedPrecondition("the scheduler is off on this replica; campaigns cannot be expanded");
        }
        if (campaign.State == CampaignStates.Expanding)
        {
            await tx.RollbackAsync(ct);
            if (scheduler is not null && schedule)
            {
                await CampaignExpansionJob.ScheduleAsync(scheduler, campaignId, options.Value.Campaigns.RetryInterval, ct);
            }
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
        if (scheduler is not null && schedule)
        {
            await CampaignExpansionJob.ScheduleAsync(scheduler, campaignId, options.Value.Campaigns.RetryInterval, ct);
        }
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
    /// Stops expansion (the job's next chunk finds the campaign cancelled: both lock the campaign row) and
    /// cancels mail not yet acknowledged. The UPDATE re-checks "outcome IS NULL" under the row lock, so a
    /// racing acknowledgement either lands first (delivered, kept) or finds the row cancelled.
    /// Delivered campaign mail is not clawed back.
    /// </summary>
    public async Task<(Campaign Campaign, int Cancelled)> CancelAsync(long campaignId, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await LockAsync(campaignId, ct);
        if (campaign.State is CampaignStates.Cancelled or CampaignStates.Rejected)
        {
            throw GrpcErrors.FailedPrecondition($"campaign {campaignId} is {campaign.State}");
        }
        await using var cmd = new NpgsqlCommand("""
            UPDATE gamelink_outbox o SET outcome = 'cancelled'
            FROM campaign_recipients r
            WHERE r.campaign_id = @id AND o.command_id = r.command_id AND o.outcome IS NULL
            """, (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());
        cmd.Parameters.AddWithValue("id", campaignId);
        cmd.CommandTimeout = 600;
        var cancelled = await cmd.ExecuteNonQueryAsync(ct);
        campaign.State = CampaignStates.Cancelled;
        campaign.CancelledBy = Caller.Id;
        campaign.CancelledAt = time.GetUtcNow();
        campaign.CancelReason = reason;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("campaign.cancel", "campaign", Id(campaign), new { cancelledMail = cancelled, campaign.ExpandedCount },
            Reason: reason, TicketRef: campaign.TicketRef), ct);
        await tx.CommitAsync(ct);
        if (services.GetKeyedService<IScheduler>(QuartzRegistration.SchedulerName) is { } factory)
        {
            await CampaignExpansionJob.UnscheduleAsync(factory, campaignId, ct);
        }
        return (campaign, cancelled);
    }

    public async Task<Campaign> GetAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await db.Set<Campaign>().AsNoTracking().FirstOrDefaultAsync(c => c.CampaignId == campaignId, ct);
        return Caller.VisibleCampaign(campaign, campaignId);
    }

    public async Task<CampaignProgress> ProgressAsync(long campaignId, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT count(*) FILTER (WHERE o.outcome = 'applied'),
                       count(*) FILTER (WHERE o.outcome IN ('failed', 'expired')),
                       count(*) FILTER (WHERE o.outcome = 'cancelled')
                FROM campaign_recipients r JOIN gamelink_outbox o ON o.command_id = r.command_id
                WHERE r.campaign_id = @id
                """, connection);
            cmd.Parameters.AddWithValue("id", campaignId);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new CampaignProgress(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<Campaign> LockAsync(long campaignId, CancellationToken ct)
    {
        var campaign = await db.Set<Campaign>().FromSqlInterpolated($"SELECT * FROM campaigns WHERE campaign_id = {campaignId} FOR UPDATE").FirstOrDefaultAsync(ct);
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

public static class CampaignViews
{
    public static Contracts.V1.CampaignState ToContractState(string state) => state switch
    {
        CampaignStates.Draft => Contracts.V1.CampaignState.Draft,
        CampaignStates.PendingApproval => Contracts.V1.CampaignState.PendingApproval,
        CampaignStates.Expanding => Contracts.V1.CampaignState.Expanding,
        CampaignStates.Expanded => Contracts.V1.CampaignState.Expanded,
        CampaignStates.Rejected => Contracts.V1.CampaignState.Rejected,
        CampaignStates.Cancelled => Contracts.V1.CampaignState.Cancelled,
        _ => Contracts.V1.CampaignState.Unspecified,
    };

    public static Contracts.V1.Campaign ToContract(Campaign c, CampaignProgress? progress = null)
    {
        var view = new Contracts.V1.Campaign
        {
            CampaignId = c.CampaignId,
            Creator = c.Creator,
            State = ToContractState(c.State),
            Reason = c.Reason,
            TicketRef = c.TicketRef,
            MailTitle = c.MailTitle,
            MailBody = c.MailBody,
            ValuePerPlayer = c.ValuePerPlayer,
            UploadedPlayers = c.UploadedPlayers,
            Expanded = c.ExpandedCount,
            Delivered = progress?.Delivered ?? 0,
            Failed = progress?.Failed ?? 0,
            Cancelled = progress?.Cancelled ?? 0,
            CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt),
            DecidedBy = c.DecidedBy ?? "",
            DecidedAt = c.DecidedAt is { } d ? Timestamp.FromDateTimeOffset(d) : null,
            DecisionReason = c.DecisionReason ?? "",
            ExpandedAt = c.ExpandedAt is { } e ? Timestamp.FromDateTimeOffset(e) : null,
            CancelledBy = c.CancelledBy ?? "",
            CancelReason = c.CancelReason ?? "",
        };
        view.Lines.AddRange(RewardLines.ToContract(RewardLines.FromJson(c.Lines)));
        switch (c.TargetKind)
        {
            case CampaignTargets.GameServers:
                view.GameServers = new GameServersTarget { GameServerIds = { c.TargetGameServers } };
                break;
            case CampaignTargets.IncidentWindow:
                view.IncidentWindow = new IncidentWindowTarget
                {
                    GameServerId = c.TargetGameServers.FirstOrDefault() ?? "",
                    Start = c.WindowStart is { } s ? Timestamp.FromDateTimeOffset(s) : null,
                    End = c.WindowEnd is { } w ? Timestamp.FromDateTimeOffset(w) : null,
                };
                break;
            default:
                view.PlayerList = new PlayerListTarget();
                break;
        }
        return view;
    }
}
