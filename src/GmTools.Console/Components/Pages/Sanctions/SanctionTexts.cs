using GmTools.Console.Components.Widgets;
using GmTools.Console.Localization;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Pages.Sanctions;

/// <summary>A sanction's kind, scope and end as staff read them (bulk preview, bulk approval inbox).</summary>
public static class SanctionTexts
{
    public static string Kind(SanctionKind kind, IStringLocalizer<Texts> L) => L[$"Kind_{Players.Dossier.SanctionKindName(kind)}"];

    public static string Scope(SanctionScope? scope, IStringLocalizer<Texts> L) =>
        scope?.TargetCase == SanctionScope.TargetOneofCase.GameServerId ? L["Scope_One", scope.GameServerId] : L["Issue_AllServersShort"];

    public static string End(SanctionEnd? end, IStringLocalizer<Texts> L, ConsolePreferences prefs) => end?.EndCase switch
    {
        SanctionEnd.EndOneofCase.Permanent => L["Permanent"],
        SanctionEnd.EndOneofCase.Duration => L["End_For", Durations.Describe(end.Duration.ToTimeSpan(), L)],
        SanctionEnd.EndOneofCase.EndsAt => L["End_Until", prefs.Format(end.EndsAt)],
        _ => "—",
    };
}
