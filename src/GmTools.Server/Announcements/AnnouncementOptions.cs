using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Announcements;

/// <summary>Section "GmTools:Announcements".</summary>
public sealed class AnnouncementOptions
{
    public const string Section = "GmTools:Announcements";

    /// <summary>The locale a game server falls back to when its own has no text.</summary>
    [Required, MaxLength(AnnouncementLimits.Locale)]
    public string DefaultLocale { get; set; } = "en";

    /// <summary>The shortest repeat interval accepted.</summary>
    public TimeSpan MinRepeatInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Publishing to more servers than this (or to all) needs a second person's approval.</summary>
    [Range(0, AnnouncementLimits.Targets)]
    public int ApprovalAboveServers { get; set; } = 10;

    /// <summary>How often the clustered due-fires poller runs.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How late a countdown step may still go out ("30 minutes left" said 5 minutes late is wrong).</summary>
    public TimeSpan CountdownGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Announcements fired per poll; the rest wait for the next poll.</summary>
    [Range(1, 10_000)]
    public int FireBatch { get; set; } = 200;

    /// <summary>At most this many fires in one preview.</summary>
    [Range(1, 10_000)]
    public int PreviewMaxFires { get; set; } = 200;
}
