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
