using GmTools.Console.Localization;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Widgets;

public static class Durations
{
    /// <summary>"7 days", "1 hour 30 minutes" in the staff member's language.</summary>
    public static string Describe(TimeSpan span, IStringLocalizer<Texts> L)
    {
        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add(L["Duration_Days", span.Days]);
        }
        if (span.Hours > 0)
        {
            parts.Add(L["Duration_Hours", span.Hours]);
        }
        if (span.Minutes > 0 || parts.Count == 0)
        {
            parts.Add(L["Duration_Minutes", span.Minutes]);
        }
        return string.Join(" ", parts);
    }

    /// <summary>Money in the smallest unit (fen) as yuan.</summary>
    public static string Money(long fen) => (fen / 100m).ToString("#,##0.00", System.Globalization.CultureInfo.InvariantCulture);
}
