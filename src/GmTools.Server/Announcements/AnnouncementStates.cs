namespace GmTools.Server.Announcements;

/// <summary>The stored state names; scheduled/active/ended are published ones seen against the clock.</summary>
public static class AnnouncementStates
{
    public const string Draft = "draft";
    public const string PendingApproval = "pending_approval";
    public const string Published = "published";
    public const string Cancelled = "cancelled";
    public const string Rejected = "rejected";
}

/// <summary>How a game server shows it; the stored name is also what ShowAnnouncement.display_kind carries.</summary>
public static class AnnouncementDisplays
{
    public const string Marquee = "marquee";
    public const string SystemChat = "system_chat";
    public const string LoginPopup = "login_popup";
}

/// <summary>What became of one occurrence.</summary>
public static class OccurrenceOutcomes
{
    public const string Delivered = "delivered";
    /// <summary>Missed while every replica was down, and past its moment (a countdown step) or its window.</summary>
    public const string Skipped = "skipped";
}
