namespace GmTools.Server.Announcements;

/// <summary>What an announcement says, where and when: the checked content of a create, edit or preview.</summary>
public sealed record AnnouncementPlan(
    IReadOnlyDictionary<string, string> Texts,
    string Display,
    bool AllServers,
    IReadOnlyList<string> GameServerIds,
    DateTimeOffset Start,
    DateTimeOffset End,
    TimeSpan? Interval,
    int Priority,
    DateTimeOffset? MaintenanceAt,
    IReadOnlyList<int> OffsetsMinutes,
    IReadOnlyDictionary<string, string> FinalTexts)
{
    public ScheduleSpec Schedule => new(Start, End, Interval, MaintenanceAt, OffsetsMinutes);
}

public sealed record CreateOrder(AnnouncementPlan Plan, bool Publish, string Reason);

public sealed record EditOrder(long AnnouncementId, AnnouncementPlan Plan, string Reason);

/// <summary>Publish, approve, reject or cancel one announcement.</summary>
public sealed record DecisionOrder(long AnnouncementId, string Reason);

public sealed record ChangedAnnouncement(Announcement Announcement, IReadOnlyList<string> WithdrawnGameServerIds);

public sealed record AnnouncementPreview(IReadOnlyList<Fire> Fires, bool Truncated, IReadOnlyList<string> GameServerIds, bool NeedsApproval);

/// <summary>One occurrence's delivery: "reached <see cref="Acknowledged"/> of <see cref="Targets"/>".</summary>
public sealed record OccurrenceReceipt(DateTimeOffset OccursAt, DateTimeOffset RecordedAt, string Outcome, int Targets, int Acknowledged, IReadOnlyList<string> NotAcknowledged);

/// <summary>An announcement active on one game server now, in that server's locale.</summary>
public sealed record ActiveShow(Announcement Announcement, string Locale, string Text, DateTimeOffset EndsAt);

/// <summary>Filter of ListAnnouncements: state is a stored state, or scheduled/active/ended (published, against the clock).</summary>
public sealed record AnnouncementFilter(string? State, string? GameServerId, int PageSize, long? After);
