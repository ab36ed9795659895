namespace GmTools.Server.Rewards;

/// <summary>A grant as asked for; its shape is checked at the edge (<see cref="RewardValidation"/>). CaseId: the player case it is made from, if any.</summary>
public sealed record GrantOrder(
    string IdempotencyKey,
    IReadOnlyList<Line> Lines,
    IReadOnlyList<string> PlayerIds,
    string Reason,
    string TicketRef,
    string MailTitle,
    string MailBody,
    long? CaseId = null);

/// <summary>ListGrants' filters; empty strings and a null state filter nothing.</summary>
public sealed record GrantFilter(string PlayerId, string Requester, string? State, int PageSize, string PageToken);

public sealed record RevokeGrantOrder(long GrantId, string Reason, string TicketRef);

/// <summary>One recipient of a grant and where its mail is (read from the outbox and its history, <see cref="GrantDelivery"/>).</summary>
public sealed record RecipientDelivery(string PlayerId, string GameServerId, MailDelivery State, string FailureReason);

/// <summary>A grant as the desk hands it back: the row and, when asked for, each recipient's delivery state.</summary>
public sealed record GrantView(Grant Grant, IReadOnlyList<RecipientDelivery> Deliveries);

public sealed record GrantResult(GrantView Grant, bool Replayed);

/// <summary>
/// Who a campaign reaches, as asked for: <see cref="CampaignTargets"/> names the kind; game servers (the one server of
/// an incident window) and the window's bounds where the kind has them. Built once at the edge from the proto oneof.
/// </summary>
public sealed record CampaignTarget(string Kind, IReadOnlyList<string> GameServerIds, DateTimeOffset? WindowStart = null, DateTimeOffset? WindowEnd = null)
{
    public static CampaignTarget GameServers(IEnumerable<string> ids) => new(CampaignTargets.GameServers, [.. ids.Order(StringComparer.Ordinal)]);

    public static CampaignTarget IncidentWindow(string gameServerId, DateTimeOffset start, DateTimeOffset end) =>
        new(CampaignTargets.IncidentWindow, [gameServerId], start, end);

    public static readonly CampaignTarget PlayerList = new(CampaignTargets.PlayerList, []);
}

public sealed record CampaignOrder(IReadOnlyList<Line> Lines, CampaignTarget Target, string Reason, string TicketRef, string MailTitle, string MailBody);

public sealed record CancelCampaignOrder(long CampaignId, string Reason, bool ClawBackDelivered);

public sealed record CampaignProgress(long Delivered, long Failed, long Cancelled, long ClawedBack = 0)
{
    public static readonly CampaignProgress None = new(0, 0, 0);
}

/// <summary>A campaign with its delivery counters, as the desk hands it to the service.</summary>
public sealed record CampaignView(Campaign Campaign, CampaignProgress Progress);

public sealed record CampaignPreview(IReadOnlyList<(string GameServerId, long Recipients)> PerServer, long Total, long TotalValue);
