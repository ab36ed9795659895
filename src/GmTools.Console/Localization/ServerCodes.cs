using Microsoft.Extensions.Localization;

namespace GmTools.Console.Localization;

/// <summary>
/// The other capabilities' stored words (visit state, case kind, anomaly severity…) as staff read them: resource key
/// <c>Code_{family}_{code}</c>. A code the console has no text for (a newly configured case kind, a renamed state) is
/// shown as the server sent it rather than hidden or shown as a missing key.
/// </summary>
public static class ServerCodes
{
    public const string VisitState = "VisitState";
    public const string VisitReason = "VisitReason";
    public const string VisitOutcome = "VisitOutcome";
    public const string TierSource = "TierSource";
    public const string CaseKind = "CaseKind";
    public const string CaseState = "CaseState";
    public const string CasePriority = "CasePriority";
    public const string Escalation = "Escalation";
    public const string Severity = "Severity";
    public const string ChatChannel = "ChatChannel";
    public const string ChatReview = "ChatReview";
    public const string ChatCategory = "ChatCategory";
    public const string EvasionStep = "EvasionStep";
    public const string AnnouncementOutcome = "AnnouncementOutcome";

    // desk: the proto enums the desk pages show, as the stored codes they mirror
    public const string AnomalyState = "AnomalyState";
    public const string CaseChannel = "CaseChannel";
    public const string CaseLink = "CaseLink";
    public const string Adjustment = "Adjustment";

    /// <summary>A proto enum value as its stored code (<c>CaseState.WaitingForPlayer</c> → "waiting_for_player"); unspecified → "".</summary>
    public static string Code<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var name = value.ToString();
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return "";
        }
        var code = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                code.Append('_');
            }
            code.Append(char.ToLowerInvariant(name[i]));
        }
        return code.ToString();
    }

    public static string Text<TEnum>(this IStringLocalizer<Texts> l, string family, TEnum code)
        where TEnum : struct, Enum => l.Text(family, Code(code));

    public static string Text(this IStringLocalizer<Texts> l, string family, string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return "";
        }
        var text = l[$"Code_{family}_{code}"];
        return text.ResourceNotFound ? code : text.Value;
    }
}
