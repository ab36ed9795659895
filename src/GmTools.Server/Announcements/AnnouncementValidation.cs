using System.Globalization;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.Announcements;

/// <summary>Shape checks of an announcement spec (everything but the game servers' existence and scope) and its conversion to a plan.</summary>
public static class AnnouncementValidation
{
    public const int MaxPriority = 1000;

    public static Violations Plan(this Violations v, string field, Contracts.V1.AnnouncementSpec? spec, AnnouncementOptions options, DateTimeOffset now)
    {
        if (spec is null)
        {
            return v.Add(field, "is required");
        }
        var countdown = spec.Countdown;
        var allowed = countdown is null ? [] : AnnouncementTexts.CountdownPlaceholders;
        v.Texts($"{field}.texts", spec.Texts, allowed, required: true);
        if (Display(spec.Display) is null)
        {
            v.Add($"{field}.display", "is required: marquee, system chat or login pop-up");
        }
        v.Targets($"{field}.targets", spec.Targets);
        if (spec.Start is null)
        {
            v.Add($"{field}.start", "is required");
        }
        if (spec.End is null)
        {
            v.Add($"{field}.end", "is required");
        }
        else if (spec.Start is not null && spec.End.ToDateTimeOffset() <= spec.Start.ToDateTimeOffset())
        {
            v.Add($"{field}.end", "must be after start");
        }
        else if (spec.End.ToDateTimeOffset() <= now)
        {
            v.Add($"{field}.end", "has already passed");
        }
        if (spec.RepeatInterval is { } interval)
        {
            if (countdown is not null)
            {
                v.Add($"{field}.repeat_interval", "a countdown fires at its offsets and takes no repeat interval");
            }
            else if (interval.ToTimeSpan() < options.MinRepeatInterval)
            {
                v.Add($"{field}.repeat_interval", $"must be at least {options.MinRepeatInterval}");
            }
        }
        if (spec.Priority is < 0 or > MaxPriority)
        {
            v.Add($"{field}.priority", $"must be 0-{MaxPriority}");
        }
        if (countdown is not null)
        {
            v.Countdown($"{field}.countdown", countdown, spec.Start?.ToDateTimeOffset(), spec.End?.ToDateTimeOffset());
        }
        return v;
    }

    public static AnnouncementPlan ToPlan(Contracts.V1.AnnouncementSpec spec) => new(
        Texts(spec.Texts),
        Display(spec.Display)!,
        spec.Targets.AllServers,
        [.. spec.Targets.GameServerIds.Distinct(StringComparer.Ordinal)],
        spec.Start.ToDateTimeOffset(),
        spec.End.ToDateTimeOffset(),
        spec.RepeatInterval?.ToTimeSpan(),
        spec.Priority,
        spec.Countdown?.MaintenanceAt.ToDateTimeOffset(),
        [.. spec.Countdown?.OffsetsMinutes ?? []],
        Texts(spec.Countdown?.FinalTexts ?? []));

    public static string? Display(Contracts.V1.AnnouncementDisplay display) => display switch
    {
        Contracts.V1.AnnouncementDisplay.Marquee => AnnouncementDisplays.Marquee,
        Contracts.V1.AnnouncementDisplay.SystemChat => AnnouncementDisplays.SystemChat,
        Contracts.V1.AnnouncementDisplay.LoginPopup => AnnouncementDisplays.LoginPopup,
        _ => null,
    };

    private static Dictionary<string, string> Texts(IEnumerable<Contracts.V1.LocalizedText> texts) =>
        texts.Where(t => !string.IsNullOrWhiteSpace(t.Text)).GroupBy(t => t.Locale, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Text, StringComparer.Ordinal);

    private static Violations Texts(this Violations v, string field, Google.Protobuf.Collections.RepeatedField<Contracts.V1.LocalizedText> texts, IReadOnlyList<string> allowed, bool required)
    {
        if (texts.Count > AnnouncementLimits.Locales)
        {
            return v.Add(field, $"at most {AnnouncementLimits.Locales} locales");
        }
        if (required && !texts.Any(t => !string.IsNullOrWhiteSpace(t.Text)))
        {
            v.Add(field, "needs a text in at least one locale");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < texts.Count; i++)
        {
            var t = texts[i];
            var at = $"{field}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (!AnnouncementTexts.IsLocale(t.Locale))
            {
                v.Add($"{at}.locale", "must be a locale such as zh-CN or en");
            }
            else if (!seen.Add(t.Locale))
            {
                v.Add($"{at}.locale", $"'{t.Locale}' is given twice");
            }
            v.MaxLength($"{at}.text", t.Text, AnnouncementLimits.Text);
            if (AnnouncementTexts.UnknownPlaceholders(t.Text, allowed) is { Count: > 0 } unknown)
            {
                var known = allowed.Count == 0 ? "none (only a countdown text has placeholders)" : string.Join(", ", allowed.Select(a => "{" + a + "}"));
                v.Add($"{at}.text", $"unknown placeholder {string.Join(", ", unknown.Select(u => "{" + u + "}"))}; known: {known}");
            }
        }
        return v;
    }

    private static Violations Targets(this Violations v, string field, Contracts.V1.AnnouncementTargets? targets)
    {
        if (targets is null || (!targets.AllServers && targets.GameServerIds.Count == 0))
        {
            return v.Add(field, "name game servers or all servers");
        }
        if (targets.AllServers && targets.GameServerIds.Count > 0)
        {
            return v.Add(field, "either all servers or a list, not both");
        }
        if (targets.GameServerIds.Count > AnnouncementLimits.Targets)
        {
            return v.Add($"{field}.game_server_ids", $"at most {AnnouncementLimits.Targets}");
        }
        for (var i = 0; i < targets.GameServerIds.Count; i++)
        {
            v.CheckGameServerId($"{field}.game_server_ids[{i.ToString(CultureInfo.InvariantCulture)}]", targets.GameServerIds[i]);
        }
        return v;
    }

    private static Violations Countdown(this Violations v, string field, Contracts.V1.MaintenanceCountdown c, DateTimeOffset? start, DateTimeOffset? end)
    {
        if (c.MaintenanceAt is null)
        {
            v.Add($"{field}.maintenance_at", "is required");
        }
        else if (start is { } s && end is { } e && (c.MaintenanceAt.ToDateTimeOffset() <= s || c.MaintenanceAt.ToDateTimeOffset() > e))
        {
            v.Add($"{field}.maintenance_at", "must lie after start and not after end");
        }
        var offsets = c.OffsetsMinutes;
        if (offsets.Count == 0)
        {
            v.Add($"{field}.offsets_minutes", "is required, e.g. 60, 30, 10, 5, 1");
        }
        else if (offsets.Count > AnnouncementLimits.Offsets)
        {
            v.Add($"{field}.offsets_minutes", $"at most {AnnouncementLimits.Offsets}");
        }
        else if (offsets.Any(o => o is < 1 or > AnnouncementLimits.MaxOffsetMinutes))
        {
            v.Add($"{field}.offsets_minutes", $"each must be 1-{AnnouncementLimits.MaxOffsetMinutes} minutes");
        }
        else if (offsets.Zip(offsets.Skip(1)).Any(p => p.Second >= p.First))
        {
            v.Add($"{field}.offsets_minutes", "must be strictly decreasing, e.g. 60, 30, 10, 5, 1");
        }
        else if (c.MaintenanceAt is not null && start is { } s && c.MaintenanceAt.ToDateTimeOffset() - TimeSpan.FromMinutes(offsets[0]) < s)
        {
            v.Add($"{field}.offsets_minutes", $"{offsets[0]} minutes before maintenance lies before start: beyond the window");
        }
        v.Texts($"{field}.final_texts", c.FinalTexts, AnnouncementTexts.CountdownPlaceholders, required: true);
        return v;
    }
}
