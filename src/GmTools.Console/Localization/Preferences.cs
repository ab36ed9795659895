using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GmTools.Console.Security;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;

namespace GmTools.Console.Localization;

/// <summary>A staff member's language and time zone, as chosen by them.</summary>
public sealed record StaffPreferences(string? Culture, string? TimeZone)
{
    public static readonly string[] Cultures = ["zh-CN", "en"];

    public static readonly string[] TimeZones =
        ["Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"];

    /// <summary>
    /// Remembered per staff member in a cookie of their own (named after a hash of their id), so a shared
    /// desk keeps each person's choice, and the choice survives signing out and in again.
    /// </summary>
    public static string CookieName(string user) =>
        "gm.prefs." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user)))[..16];

    public static StaffPreferences Read(HttpContext http)
    {
        var user = http.User.FindFirst(StaffClaims.Subject)?.Value;
        if (user is null || !http.Request.Cookies.TryGetValue(CookieName(user), out var raw))
        {
            return new StaffPreferences(null, null);
        }
        string? culture = null, zone = null;
        foreach (var part in raw.Split('|'))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2)
            {
                continue;
            }
            var value = Uri.UnescapeDataString(kv[1]);
            if (kv[0] == "c" && Cultures.Contains(value, StringComparer.Ordinal))
            {
                culture = value;
            }
            else if (kv[0] == "tz" && TimeZones.Contains(value, StringComparer.Ordinal))
            {
                zone = value;
            }
        }
        return new StaffPreferences(culture, zone);
    }

    public void Write(HttpContext http, string user, TimeProvider time) =>
        http.Response.Cookies.Append(CookieName(user), $"c={Uri.EscapeDataString(Culture ?? "")}|tz={Uri.EscapeDataString(TimeZone ?? "")}",
            new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                IsEssential = true,
                Secure = http.Request.IsHttps,
                Expires = TimeProvider.System.GetUtcNow().AddYears(1),
            });
}

/// <summary>The signed-in staff member's chosen culture, ahead of the browser's Accept-Language.</summary>
internal sealed class StaffCultureProvider : RequestCultureProvider
{
    public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var culture = StaffPreferences.Read(httpContext).Culture;
        return Task.FromResult(culture is null ? null : new ProviderCultureResult(culture, culture));
    }
}

public static class LocalizationRegistration
{
    public static IServiceCollection AddConsoleLocalization(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddScoped<ConsolePreferences>();
        services.AddScoped<State.PlayerSelection>();
        return services;
    }

    public static void UseConsoleLocalization(this WebApplication app)
    {
        var defaults = app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        var cultures = StaffPreferences.Cultures.Select(c => new CultureInfo(c)).ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(defaults.DefaultCulture),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            FallBackToParentUICultures = true,
            FallBackToParentCultures = true,
        };
        options.RequestCultureProviders.Insert(0, new StaffCultureProvider());
        // The browser's cookie-wide culture choice is not used: the choice belongs to the staff member.
        options.RequestCultureProviders.Remove(options.RequestCultureProviders.OfType<CookieRequestCultureProvider>().First());
        app.UseRequestLocalization(options);
    }

    public static void MapPreferenceEndpoints(this WebApplication app) =>
        app.MapGet("/preferences/set", (HttpContext http, TimeProvider time, string? culture, string? timeZone, string? returnUrl) =>
        {
            var user = http.User.FindFirst(StaffClaims.Subject)?.Value;
            if (user is null)
            {
                return Results.LocalRedirect(AuthRegistration.SignInPath);
            }
            var current = StaffPreferences.Read(http);
            var next = new StaffPreferences(
                culture is not null && StaffPreferences.Cultures.Contains(culture, StringComparer.Ordinal) ? culture : current.Culture,
                timeZone is not null && StaffPreferences.TimeZones.Contains(timeZone, StringComparer.Ordinal) ? timeZone : current.TimeZone);
            next.Write(http, user, time);
            // A full page load: the new circuit starts in the chosen culture.
            return Results.LocalRedirect(AuthRegistration.LocalOrRoot(returnUrl));
        }).RequireAuthorization();
}

/// <summary>The circuit's copy of the staff member's preferences (handed over from the first request).</summary>
public sealed class ConsolePreferences(IOptions<ConsoleOptions> options)
{
    private TimeZoneInfo? _zone;

    public string TimeZoneId { get; private set; } = options.Value.DefaultTimeZone;

    public TimeZoneInfo Zone => _zone ??= Find(TimeZoneId);

    public void Apply(string? timeZoneId)
    {
        if (!string.IsNullOrEmpty(timeZoneId))
        {
            TimeZoneId = timeZoneId;
            _zone = null;
        }
    }

    /// <summary>A time as the staff member reads it: their zone, their culture's digits, the zone's offset.</summary>
    public string Format(DateTimeOffset? at)
    {
        if (at is null)
        {
            return "—";
        }
        var local = TimeZoneInfo.ConvertTime(at.Value, Zone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + $" (UTC{sign}{offset:hh\\:mm})";
    }

    public string Format(Google.Protobuf.WellKnownTypes.Timestamp? at) => Format(at?.ToDateTimeOffset());

    /// <summary>Staff type local times; the server wants UTC.</summary>
    public DateTimeOffset ToUtc(DateTime local) =>
        new(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Zone), TimeSpan.Zero);

    private static TimeZoneInfo Find(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
