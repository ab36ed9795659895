using GmTools.Server.Infrastructure.Grpc;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Announcements;

/// <summary>Entity → contract, and the contract's state filter → stored names.</summary>
public static class AnnouncementContracts
{
    public static Contracts.V1.Announcement ToContract(Announcement a, DateTimeOffset now, string defaultLocale)
    {
        var spec = new Contracts.V1.AnnouncementSpec
        {
            Display = a.Display switch
            {
                AnnouncementDisplays.Marquee => Contracts.V1.AnnouncementDisplay.Marquee,
                AnnouncementDisplays.SystemChat => Contracts.V1.AnnouncementDisplay.SystemChat,
                AnnouncementDisplays.LoginPopup => Contracts.V1.AnnouncementDisplay.LoginPopup,
                _ => Contracts.V1.AnnouncementDisplay.Unspecified,
            },
            Targets = new Contracts.V1.AnnouncementTargets { AllServers = a.AllServers, GameServerIds = { a.TargetGameServers } },
            Start = Timestamp.FromDateTimeOffset(a.StartsAt),
            End = Timestamp.FromDateTimeOffset(a.EndsAt),
            RepeatInterval = a.RepeatInterval is { } i ? Duration.FromTimeSpan(i) : null,
            Priority = a.Priority,
        };
        spec.Texts.Add(Texts(a.TextsJson));
        if (a.MaintenanceAt is { } m)
        {
            spec.Countdown = new Contracts.V1.MaintenanceCountdown { MaintenanceAt = Timestamp.FromDateTimeOffset(m), OffsetsMinutes = { a.CountdownOffsets } };
            spec.Countdown.FinalTexts.Add(Texts(a.FinalTextsJson));
        }
        return new Contracts.V1.Announcement
        {
            AnnouncementId = a.AnnouncementId,
            Spec = spec,
            State = State(a, now),
            Author = a.Author,
            Approver = a.Approver ?? "",
            CreatedAt = Timestamp.FromDateTimeOffset(a.CreatedAt),
            NextFireAt = a.NextFireAt is { } n ? Timestamp.FromDateTimeOffset(n) : null,
            DecisionReason = a.DecisionReason,
            DefaultLocale = defaultLocale,
        };
    }

    public static Contracts.V1.AnnouncementState State(Announcement a, DateTimeOffset now) => a.State switch
    {
        AnnouncementStates.Draft => Contracts.V1.AnnouncementState.Draft,
        AnnouncementStates.PendingApproval => Contracts.V1.AnnouncementState.PendingApproval,
        AnnouncementStates.Cancelled => Contracts.V1.AnnouncementState.Cancelled,
        AnnouncementStates.Rejected => Contracts.V1.AnnouncementState.Rejected,
        _ => now < a.StartsAt ? Contracts.V1.AnnouncementState.Scheduled : now < a.EndsAt ? Contracts.V1.AnnouncementState.Active : Contracts.V1.AnnouncementState.Ended,
    };

    public static string? StateFilter(Contracts.V1.AnnouncementState state) => state switch
    {
        Contracts.V1.AnnouncementState.Unspecified => null,
        Contracts.V1.AnnouncementState.Draft => AnnouncementStates.Draft,
        Contracts.V1.AnnouncementState.PendingApproval => AnnouncementStates.PendingApproval,
        Contracts.V1.AnnouncementState.Cancelled => AnnouncementStates.Cancelled,
        Contracts.V1.AnnouncementState.Rejected => AnnouncementStates.Rejected,
        Contracts.V1.AnnouncementState.Scheduled => AnnouncementQueries.Scheduled,
        Contracts.V1.AnnouncementState.Active => AnnouncementQueries.Active,
        Contracts.V1.AnnouncementState.Ended => AnnouncementQueries.Ended,
        _ => throw GrpcErrors.InvalidArgument("state", "unknown state"),
    };

    public static Contracts.V1.AnnouncementReceipt ToContract(OccurrenceReceipt r) => new()
    {
        OccursAt = Timestamp.FromDateTimeOffset(r.OccursAt),
        SentAt = Timestamp.FromDateTimeOffset(r.RecordedAt),
        Outcome = r.Outcome,
        Targets = r.Targets,
        Acknowledged = r.Acknowledged,
        NotAcknowledgedGameServerIds = { r.NotAcknowledged },
    };

    public static Contracts.V1.ActiveAnnouncement ToContract(ActiveShow s) => new()
    {
        AnnouncementId = s.Announcement.AnnouncementId,
        Text = s.Text,
        Locale = s.Locale,
        Display = ToContract(s.Announcement, s.EndsAt, "").Spec.Display,
        Priority = s.Announcement.Priority,
        EndsAt = Timestamp.FromDateTimeOffset(s.EndsAt),
    };

    public static IEnumerable<Contracts.V1.LocalizedText> Texts(IReadOnlyDictionary<string, string> texts) =>
        texts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new Contracts.V1.LocalizedText { Locale = kv.Key, Text = kv.Value });

    private static IEnumerable<Contracts.V1.LocalizedText> Texts(string json) => Texts(AnnouncementTexts.Parse(json));
}
