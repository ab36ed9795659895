using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GmTools.Server.Announcements;

/// <summary>Texts per locale: placeholders, rendering, the locale fallback, and the stored JSON form.</summary>
public static partial class AnnouncementTexts
{
    public const string Minutes = "minutes";
    public const string Time = "time";

    /// <summary>Placeholders a countdown text may name; a plain announcement names none.</summary>
    public static readonly IReadOnlyList<string> CountdownPlaceholders = [Minutes, Time];

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial Regex LocaleShape();

    public static bool IsLocale(string locale) => locale.Length <= AnnouncementLimits.Locale && LocaleShape().IsMatch(locale);

    /// <summary>The placeholders in <paramref name="text"/> that are not in <paramref name="allowed"/>.</summary>
    public static IReadOnlyList<string> UnknownPlaceholders(string text, IReadOnlyList<string> allowed) =>
        [.. Placeholder().Matches(text).Select(m => m.Groups[1].Value).Where(name => !allowed.Contains(name, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal)];

    public static string Render(string template, int? minutesLeft, DateTimeOffset? maintenanceAt)
    {
        if (minutesLeft is null && maintenanceAt is null)
        {
            return template;
        }
        return Placeholder().Replace(template, m => m.Groups[1].Value switch
        {
            Minutes => (minutesLeft ?? 0).ToString(CultureInfo.InvariantCulture),
            Time => maintenanceAt?.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture) ?? m.Value,
            _ => m.Value,
        });
    }

    /// <summary>The texts a fire shows: the final notice at the maintenance time, otherwise the template filled in.</summary>
    public static Dictionary<string, string> ForFire(Announcement a, Fire fire)
    {
        var source = fire.MinutesLeft == 0 ? Parse(a.FinalTextsJson) : Parse(a.TextsJson);
        return source.ToDictionary(kv => kv.Key, kv => Render(kv.Value, fire.MinutesLeft, a.MaintenanceAt), StringComparer.Ordinal);
    }

    /// <summary>The game server's locale, else the configured default, else the first locale in order.</summary>
    public static (string Locale, string Text) Resolve(IReadOnlyDictionary<string, string> texts, string? locale, string defaultLocale)
    {
        if (!string.IsNullOrEmpty(locale) && texts.TryGetValue(locale, out var own))
        {
            return (locale, own);
        }
        var fallback = DefaultFor(texts, defaultLocale);
        return (fallback, texts.TryGetValue(fallback, out var text) ? text : "");
    }

    /// <summary>The locale a game server falls back to for these texts.</summary>
    public static string DefaultFor(IReadOnlyDictionary<string, string> texts, string defaultLocale) =>
        texts.ContainsKey(defaultLocale) ? defaultLocale : texts.Keys.Order(StringComparer.Ordinal).FirstOrDefault() ?? defaultLocale;

    public static string ToJson(IReadOnlyDictionary<string, string> texts) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(texts.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal));

    public static Dictionary<string, string> Parse(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}
