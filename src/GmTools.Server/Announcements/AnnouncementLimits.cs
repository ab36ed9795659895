namespace GmTools.Server.Announcements;

/// <summary>Every bound of an announcement, shared by the edge validation and the EF configuration.</summary>
public static class AnnouncementLimits
{
    public const int Text = 500;
    public const int Locale = 16;
    public const int Locales = 16;
    public const int Targets = 1000;
    public const int Offsets = 24;
    public const int Reason = 500;
    public const int State = 24;
    public const int Display = 24;
    public const int Outcome = 16;
    /// <summary>The texts column holds up to <see cref="Locales"/> texts of <see cref="Text"/> characters as JSON.</summary>
    public const int TextsJson = Locales * (Text + Locale + 16) + 16;
    public const int MaxOffsetMinutes = 7 * 24 * 60;
}
