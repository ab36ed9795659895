using System.ComponentModel.DataAnnotations;
using System.Globalization;
using GmTools.Console.Localization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.Components.Pages.Announcements;

/// <summary>One locale's text of an announcement (or of a countdown's final notice).</summary>
public sealed class LocaleText
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(16, ErrorMessage = "Validation_TooLong")]
    public string Locale { get; set; } = "";

    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Text { get; set; } = "";

    public string FinalText { get; set; } = "";
}

/// <summary>
/// What staff fill in to announce: the texts per locale side by side, where and how it shows, its window in the staff
/// member's time zone, once / repeated / a maintenance countdown. The server's checks are the authority.
/// </summary>
public sealed class AnnouncementForm : IValidatableObject
{
    public const int MaxText = 500;
    public const int MaxReason = 500;

    public List<LocaleText> Texts { get; set; } = [new() { Locale = "zh-CN" }, new() { Locale = "en" }];

    public AnnouncementDisplay Display { get; set; } = AnnouncementDisplay.Marquee;

    public bool AllServers { get; set; }

    public HashSet<string> GameServerIds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>In the staff member's time zone.</summary>
    [Required(ErrorMessage = "Validation_Required")]
    public DateTime? Start { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    public DateTime? End { get; set; }

    public bool Repeat { get; set; }

    [Range(1, 7 * 24 * 60, ErrorMessage = "Validation_Positive")]
    public int RepeatMinutes { get; set; } = 30;

    [Range(0, 1000, ErrorMessage = "Validation_Range")]
    public int Priority { get; set; }

    public bool Countdown { get; set; }

    public DateTime? MaintenanceAt { get; set; }

    /// <summary>Minutes before maintenance, e.g. "60, 30, 10, 5, 1".</summary>
    [MaxLength(200, ErrorMessage = "Validation_TooLong")]
    public string Offsets { get; set; } = "60, 30, 10, 5, 1";

    [MaxLength(MaxReason, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Texts.Any(t => t.Text.Trim().Length > 0))
        {
            yield return new ValidationResult("Validation_AnnouncementText", [nameof(Texts)]);
        }
        if (!AllServers && GameServerIds.Count == 0)
        {
            yield return new ValidationResult("Validation_Targets", [nameof(GameServerIds)]);
        }
        if (Start is { } start && End is { } end && end <= start)
        {
            yield return new ValidationResult("Validation_EndAfterStart", [nameof(End)]);
        }
        if (Countdown)
        {
            if (MaintenanceAt is not { } at)
            {
                yield return new ValidationResult("Validation_Required", [nameof(MaintenanceAt)]);
            }
            else if ((Start is { } s && at <= s) || (End is { } e && at > e))
            {
                yield return new ValidationResult("Validation_MaintenanceInWindow", [nameof(MaintenanceAt)]);
            }
            if (OffsetMinutes() is not { Count: > 0 } offsets || offsets.Any(o => o < 1) || offsets.Zip(offsets.Skip(1)).Any(p => p.Second >= p.First))
            {
                yield return new ValidationResult("Validation_Offsets", [nameof(Offsets)]);
            }
            if (!Texts.Any(t => t.FinalText.Trim().Length > 0))
            {
                yield return new ValidationResult("Validation_FinalText", [nameof(Texts)]);
            }
        }
        foreach (var t in Texts.Where(t => t.FinalText.Length > MaxText))
        {
            yield return new ValidationResult("Validation_TooLong", [nameof(Texts)]);
        }
    }

    /// <summary>The offsets as typed; null when one is not a number.</summary>
    public List<int>? OffsetMinutes()
    {
        var parts = Offsets.Split([',', ' ', '，', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var minutes = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            {
                return null;
            }
            minutes.Add(m);
        }
        return minutes;
    }

    /// <summary>The rows that have text, in the order sent: spec.texts[i] is <c>Sent[i]</c>.</summary>
    public IReadOnlyList<LocaleText> SentTexts => [.. Texts.Where(t => t.Text.Trim().Length > 0)];

    public IReadOnlyList<LocaleText> SentFinalTexts => [.. Texts.Where(t => t.FinalText.Trim().Length > 0)];

    public AnnouncementSpec ToSpec(ConsolePreferences prefs)
    {
        var spec = new AnnouncementSpec
        {
            Display = Display,
            Targets = AllServers ? new AnnouncementTargets { AllServers = true } : new AnnouncementTargets { GameServerIds = { GameServerIds.Order(StringComparer.Ordinal) } },
            Start = Start is { } s ? Timestamp.FromDateTimeOffset(prefs.ToUtc(s)) : null,
            End = End is { } e ? Timestamp.FromDateTimeOffset(prefs.ToUtc(e)) : null,
            Priority = Priority,
            RepeatInterval = Repeat && !Countdown ? Duration.FromTimeSpan(TimeSpan.FromMinutes(RepeatMinutes)) : null,
        };
        spec.Texts.AddRange(SentTexts.Select(t => new LocalizedText { Locale = t.Locale.Trim(), Text = t.Text.Trim() }));
        if (Countdown)
        {
            spec.Countdown = new MaintenanceCountdown
            {
                MaintenanceAt = MaintenanceAt is { } at ? Timestamp.FromDateTimeOffset(prefs.ToUtc(at)) : null,
                OffsetsMinutes = { OffsetMinutes() ?? [] },
                FinalTexts = { SentFinalTexts.Select(t => new LocalizedText { Locale = t.Locale.Trim(), Text = t.FinalText.Trim() }) },
            };
        }
        return spec;
    }

    /// <summary>An existing announcement's spec, shown in the staff member's zone, to edit.</summary>
    public static AnnouncementForm From(AnnouncementSpec spec, ConsolePreferences prefs)
    {
        var locales = spec.Texts.Select(t => t.Locale)
            .Concat(spec.Countdown?.FinalTexts.Select(t => t.Locale) ?? [])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var form = new AnnouncementForm
        {
            Texts = [.. locales.Select(l => new LocaleText
            {
                Locale = l,
                Text = spec.Texts.FirstOrDefault(t => t.Locale == l)?.Text ?? "",
                FinalText = spec.Countdown?.FinalTexts.FirstOrDefault(t => t.Locale == l)?.Text ?? "",
            })],
            Display = spec.Display,
            AllServers = spec.Targets?.AllServers ?? false,
            GameServerIds = new HashSet<string>(spec.Targets?.GameServerIds ?? [], StringComparer.Ordinal),
            Start = Local(spec.Start, prefs),
            End = Local(spec.End, prefs),
            Repeat = spec.RepeatInterval is not null,
            RepeatMinutes = spec.RepeatInterval is { } r ? Math.Max(1, (int)r.ToTimeSpan().TotalMinutes) : 30,
            Priority = spec.Priority,
            Countdown = spec.Countdown is not null,
            MaintenanceAt = Local(spec.Countdown?.MaintenanceAt, prefs),
            Offsets = spec.Countdown is { } c ? string.Join(", ", c.OffsetsMinutes) : "60, 30, 10, 5, 1",
        };
        return form;
    }

    private static DateTime? Local(Timestamp? at, ConsolePreferences prefs) =>
        at is null ? null : TimeZoneInfo.ConvertTime(at.ToDateTimeOffset(), prefs.Zone).DateTime;

    /// <summary>"spec.texts[1].text" names the second row sent, not the second row of the form.</summary>
    public FieldIdentifier? Resolve(EditContext context, string path)
    {
        if (TryRow(path, "spec.texts[", SentTexts, out var row, out var rest))
        {
            return new FieldIdentifier(row!, rest == "locale" ? nameof(LocaleText.Locale) : nameof(LocaleText.Text));
        }
        if (TryRow(path, "spec.countdown.final_texts[", SentFinalTexts, out row, out _))
        {
            return new FieldIdentifier(row!, nameof(LocaleText.Text));
        }
        for (var p = path; p.Length > 0; p = p.Contains('.', StringComparison.Ordinal) ? p[..p.LastIndexOf('.')] : "")
        {
            if (ServerFields.TryGetValue(p, out var property))
            {
                return context.Field(property);
            }
        }
        return null;
    }

    private static bool TryRow(string path, string prefix, IReadOnlyList<LocaleText> rows, out LocaleText? row, out string rest)
    {
        row = null;
        rest = "";
        var close = path.IndexOf(']', StringComparison.Ordinal);
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || close < prefix.Length)
        {
            return false;
        }
        if (!int.TryParse(path[prefix.Length..close], NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i >= rows.Count)
        {
            return false;
        }
        row = rows[i];
        rest = path[(close + 1)..].TrimStart('.');
        return true;
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["spec.texts"] = nameof(Texts),
        ["spec.display"] = nameof(Display),
        ["spec.targets"] = nameof(GameServerIds),
        ["spec.start"] = nameof(Start),
        ["spec.end"] = nameof(End),
        ["spec.repeat_interval"] = nameof(RepeatMinutes),
        ["spec.priority"] = nameof(Priority),
        ["spec.countdown"] = nameof(Countdown),
        ["spec.countdown.maintenance_at"] = nameof(MaintenanceAt),
        ["spec.countdown.offsets_minutes"] = nameof(Offsets),
        ["spec.countdown.final_texts"] = nameof(Texts),
        ["reason"] = nameof(Reason),
    };
}
