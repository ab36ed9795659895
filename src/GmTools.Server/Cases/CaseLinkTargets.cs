using System.Globalization;
using GmTools.Server.ChatWatch;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Rewards;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using GmTools.Server.VipCare;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

/// <summary>The object a link points at, found and checked. A chat line brings its text along.</summary>
public sealed record LinkedObject(string ObjectId, string GameServerId = "", string? LineText = null, bool PrivateLine = false);

/// <summary>
/// One kind of thing a case may be linked to. <see cref="FindAsync"/> answers NOT_FOUND when the object does not
/// exist or lies outside the caller's scope (the same answer either way), and FAILED_PRECONDITION when it exists
/// but does not concern the case's player. Only reads: the object belongs to another capability. A capability
/// that keeps a new kind of object (VIP care's visits) registers its own target
/// (<c>services.AddScoped&lt;ICaseLinkTarget, XyzLinkTarget&gt;()</c>).
/// </summary>
public interface ICaseLinkTarget
{
    string Kind { get; }

    Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct);

    /// <summary>A one-line description of each object the caller may see (GetCase's links); absent ids get none.</summary>
    Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct);
}

internal static class LinkIds
{
    public static long Parse(string id) => long.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture);

    public static long[] ParseAll(IEnumerable<string> ids) =>
        [.. ids.Select(i => long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).Where(v => v > 0)];

    public static string Text(long id) => id.ToString(CultureInfo.InvariantCulture);

    public static Grpc.Core.RpcException NotTheCasePlayer(PlayerCase c, string what) =>
        GrpcErrors.FailedPrecondition($"{what} does not concern case {c.CaseId}'s player {c.PlayerId}");
}

public sealed class SanctionLinkTarget(GmToolsDbContext db) : ICaseLinkTarget
{
    public string Kind => CaseLinkKinds.Sanction;

    public async Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct)
    {
        var id = LinkIds.Parse(objectId);
        var sanction = caller.VisibleSanction(await db.Set<Sanction>().AsNoTracking().SingleOrDefaultAsync(s => s.SanctionId == id, ct), id);
        if (sanction.PlayerId != c.PlayerId)
        {
            throw LinkIds.NotTheCasePlayer(c, $"sanction {id}");
        }
        return new LinkedObject(LinkIds.Text(id));
    }

    public async Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct)
    {
        var ids = LinkIds.ParseAll(objectIds);
        var rows = await db.Set<Sanction>().AsNoTracking().Where(s => ids.Contains(s.SanctionId)).ToListAsync(ct);
        return rows.Where(caller.SeesSanction).ToDictionary(s => LinkIds.Text(s.SanctionId), Describe);
    }

    internal static string Describe(Sanction s) =>
        $"{s.Kind} ({s.ReasonCode}){(s.LiftedAt is not null ? ", lifted" + (s.LiftedAsWrongful ? " as wrongful" : "") : "")}";
}

public sealed class GrantLinkTarget(GmToolsDbContext db) : ICaseLinkTarget
{
    public string Kind => CaseLinkKinds.Grant;

    public async Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct)
    {
        var id = LinkIds.Parse(objectId);
        var grant = caller.VisibleGrant(await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients).SingleOrDefaultAsync(g => g.GrantId == id, ct), id);
        if (!grant.Recipients.Any(r => r.PlayerId == c.PlayerId))
        {
            throw LinkIds.NotTheCasePlayer(c, $"grant {id}");
        }
        return new LinkedObject(LinkIds.Text(id));
    }

    public async Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct)
    {
        var ids = LinkIds.ParseAll(objectIds);
        var rows = await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients).Where(g => ids.Contains(g.GrantId)).ToListAsync(ct);
        return rows.Where(caller.SeesGrant).ToDictionary(g => LinkIds.Text(g.GrantId), Describe);
    }

    internal static string Describe(Grant g) => $"grant, {g.State}, value {g.TotalValue.ToString(CultureInfo.InvariantCulture)}";
}

public sealed class CampaignLinkTarget(GmToolsDbContext db) : ICaseLinkTarget
{
    public string Kind => CaseLinkKinds.Campaign;

    /// <summary>
    /// A campaign concerns the case when it reached (or will reach) the player: a recipient already, an uploaded
    /// id of a player-list campaign, or a campaign aimed at the case's game server.
    /// </summary>
    public async Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct)
    {
        var id = LinkIds.Parse(objectId);
        var campaign = caller.VisibleCampaign(await db.Set<Campaign>().AsNoTracking().SingleOrDefaultAsync(x => x.CampaignId == id, ct), id);
        var concerns = await db.Set<CampaignRecipient>().AnyAsync(r => r.CampaignId == id && r.PlayerId == c.PlayerId, ct)
            || (campaign.TargetKind == CampaignTargets.PlayerList
                ? await db.Set<CampaignUploadedPlayer>().AnyAsync(u => u.CampaignId == id && u.PlayerId == c.PlayerId, ct)
                : campaign.TargetGameServers.Contains(c.GameServerId, StringComparer.Ordinal));
        if (!concerns)
        {
            throw LinkIds.NotTheCasePlayer(c, $"campaign {id}");
        }
        return new LinkedObject(LinkIds.Text(id));
    }

    public async Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct)
    {
        var ids = LinkIds.ParseAll(objectIds);
        var rows = await db.Set<Campaign>().AsNoTracking().Where(x => ids.Contains(x.CampaignId)).ToListAsync(ct);
        return rows.Where(caller.SeesCampaign).ToDictionary(x => LinkIds.Text(x.CampaignId), x => $"campaign, {x.State}: {x.Reason}");
    }
}

/// <summary>
/// A VIP care visit (a return call, vip_visit_tasks) made to the case's player; scoped like VIP care scopes it, by
/// the player's home server when the visit was planned. Only reads: the visit stays VIP care's.
/// </summary>
public sealed class VisitLinkTarget(GmToolsDbContext db) : ICaseLinkTarget
{
    public string Kind => CaseLinkKinds.Visit;

    public async Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct)
    {
        var id = LinkIds.Parse(objectId);
        var visit = caller.VisibleVisit(await db.Set<VisitTask>().AsNoTracking().SingleOrDefaultAsync(v => v.TaskId == id, ct), id);
        if (visit.PlayerId != c.PlayerId)
        {
            throw LinkIds.NotTheCasePlayer(c, $"visit {id}");
        }
        return new LinkedObject(LinkIds.Text(id));
    }

    public async Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct)
    {
        var ids = LinkIds.ParseAll(objectIds);
        var rows = await db.Set<VisitTask>().AsNoTracking().Where(v => ids.Contains(v.TaskId)).ToListAsync(ct);
        return rows.Where(v => caller.Sees(v.GameServerId)).ToDictionary(v => LinkIds.Text(v.TaskId), v => $"visit ({v.Reason}), {v.State}");
    }
}

/// <summary>
/// A chat line the player sent or received: a flagged line (kept in PostgreSQL), else one of the player's recent
/// lines in the live view (Redis). Its text is copied into the link, so the evidence stays when the live view
/// forgets the line.
/// </summary>
public sealed class ChatLineLinkTarget(GmToolsDbContext db, ChatLiveState live, IOptionsMonitor<ChatWatchOptions> chat) : ICaseLinkTarget
{
    public string Kind => CaseLinkKinds.ChatLine;

    public async Task<LinkedObject> FindAsync(Caller caller, PlayerCase c, string objectId, string gameServerId, CancellationToken ct)
    {
        var notFound = $"chat line {objectId} of game server {gameServerId} not found";
        caller.EnsureSees(gameServerId, notFound);
        var flag = await db.Set<ChatFlag>().AsNoTracking().SingleOrDefaultAsync(f => f.GameServerId == gameServerId && f.LineId == objectId, ct);
        if (flag is not null)
        {
            return flag.SenderPlayerId == c.PlayerId || flag.RecipientPlayerId == c.PlayerId
                ? new LinkedObject(objectId, gameServerId, flag.Text, flag.Channel == ChatChannels.Private)
                : throw LinkIds.NotTheCasePlayer(c, $"chat line {objectId}");
        }
        // Not flagged: only the live view has it, and only among the player's own recent lines.
        var recent = await live.RecentAsync(ChatLiveState.PlayerRecent(gameServerId, c.PlayerId), 0, chat.CurrentValue.RecentLinesPerPlayer)
            ?? throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "the live chat view is unavailable; try again"));
        var line = recent.FirstOrDefault(l => l.GameServerId == gameServerId && l.LineId == objectId)
            ?? throw GrpcErrors.NotFound(notFound + " among the player's flagged or recent lines");
        return new LinkedObject(objectId, gameServerId, line.Text, line.Channel == Contracts.V1.ChatChannel.Private);
    }

    // The text travels with the link itself.
    public Task<IReadOnlyDictionary<string, string>> DescribeAsync(Caller caller, IReadOnlyCollection<string> objectIds, CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}
