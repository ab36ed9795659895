using GmTools.Console.Components.Widgets;
using GmTools.Console.Localization;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Pages.Cases;

/// <summary>
/// A case's SLA as the queue shows it: the deadline that matters now (first response until answered, then
/// resolution), whether one was breached, and the countdown. The queue puts breached cases first, then the
/// nearest deadline; resolved and closed cases last.
/// </summary>
public static class CaseSla
{
    public static bool IsOpen(PlayerCase c) => c.State is CaseState.New or CaseState.InProgress or CaseState.WaitingForPlayer;

    public static bool Breached(PlayerCase c) => c.FirstResponseBreachedAt is not null || c.ResolutionBreachedAt is not null;

    /// <summary>The deadline that runs now; null once resolved or closed.</summary>
    public static DateTimeOffset? Deadline(PlayerCase c) =>
        !IsOpen(c) ? null
        : c.FirstResponseAt is null && c.FirstResponseDue is { } first ? first.ToDateTimeOffset()
        : c.ResolutionDue?.ToDateTimeOffset();

    public static IEnumerable<PlayerCase> Queue(IEnumerable<PlayerCase> cases) =>
        cases.OrderByDescending(IsOpen)
            .ThenByDescending(c => IsOpen(c) && Breached(c))
            .ThenBy(c => Deadline(c) ?? DateTimeOffset.MaxValue)
            .ThenBy(c => c.CaseId);

    /// <summary>"due in 2 hours 10 minutes", "late by 30 minutes", "paused", or "" when no deadline runs.</summary>
    public static string Countdown(PlayerCase c, DateTimeOffset now, IStringLocalizer<Texts> l)
    {
        if (Deadline(c) is not { } due)
        {
            return "";
        }
        if (c.SlaPaused)
        {
            return l["Case_SlaPaused"];
        }
        var left = due - now;
        return left >= TimeSpan.Zero ? l["Case_DueIn", Durations.Describe(left, l)] : l["Case_LateBy", Durations.Describe(-left, l)];
    }

    /// <summary>Breached, within the warning (4 h by default, the server's), or comfortable.</summary>
    public static string Urgency(PlayerCase c, DateTimeOffset now) =>
        !IsOpen(c) ? "settled"
        : Breached(c) || Deadline(c) < now ? "breached"
        : Deadline(c) - now <= TimeSpan.FromHours(4) || (c.FirstResponseAt is null ? c.FirstResponseWarnedAt : c.ResolutionWarnedAt) is not null ? "near"
        : "ok";
}
