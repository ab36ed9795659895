using Microsoft.Extensions.Localization;
using MudBlazor;

namespace GmTools.Console.Components.Pages.Announcements;

/// <summary>How the announcement pages name states, displays and targets.</summary>
public static class AnnouncementNames
{
    public static string State(AnnouncementState state, IStringLocalizer<Localization.Texts> l) => l[$"AnnState_{state}"];

    public static string Display(AnnouncementDisplay display, IStringLocalizer<Localization.Texts> l) => l[$"AnnDisplay_{display}"];

    public static string Targets(AnnouncementTargets? targets, IStringLocalizer<Localization.Texts> l) =>
        targets is null ? "" : targets.AllServers ? l["Ann_AllServers"] : string.Join(", ", targets.GameServerIds);

    /// <summary>The text a list shows for an announcement: the staff member's language if written, else the first.</summary>
    public static string Headline(AnnouncementSpec spec)
    {
        var culture = System.Globalization.CultureInfo.CurrentUICulture.Name;
        var text = spec.Texts.FirstOrDefault(t => string.Equals(t.Locale, culture, StringComparison.OrdinalIgnoreCase))?.Text
            ?? spec.Texts.FirstOrDefault()?.Text ?? "";
        return text.Length > 80 ? text[..80] + "…" : text;
    }

    /// <summary>The announcement a call answered with (or the refusal).</summary>
    public static async Task<(Announcement? Announcement, ServerCalls.ServerError? Error)> Of<T>(Task<(T? Result, ServerCalls.ServerError? Error)> call, Func<T, Announcement> announcement)
        where T : class
    {
        var (result, error) = await call;
        return (result is null ? null : announcement(result), error);
    }

    public static Color StateColor(AnnouncementState state) => state switch
    {
        AnnouncementState.Active => Color.Success,
        AnnouncementState.Scheduled => Color.Info,
        AnnouncementState.PendingApproval => Color.Warning,
        AnnouncementState.Cancelled or AnnouncementState.Rejected => Color.Error,
        _ => Color.Default,
    };
}
