using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

/// <summary>The ladder's proposal. <see cref="Duration"/> null means permanent.</summary>
public sealed record LadderProposal(int Step, int Steps, int PriorOffenses, TimeSpan? Duration);

/// <summary>
/// Proposes a duration from the player's history: the n-th counted offense with this reason code and kind
/// gets step n (the last step repeats). Sanctions lifted as wrongful do not count; kicks are never on a ladder.
/// </summary>
public sealed class OffenseLadder(GmToolsDbContext db, IOptionsMonitor<SanctionOptions> options)
{
    public const string Permanent = "permanent";

    // Parsed once per options instance: IOptionsMonitor hands out a new instance when the configuration changes,
    // so a mute does not parse its ladder's steps again each time (they are validated at start).
    private static readonly ConditionalWeakTable<SanctionOptions, ConcurrentDictionary<(string ReasonCode, string Kind), TimeSpan?[]?>> Parsed = new();

    /// <summary>The configured steps, or null when this reason code and kind have no ladder.</summary>
    public static IReadOnlyList<TimeSpan?>? Steps(SanctionOptions o, string reasonCode, string kind) =>
        Parsed.GetValue(o, _ => new())
            .GetOrAdd((reasonCode, kind), static (key, options) => ParseSteps(options, key.ReasonCode, key.Kind), o);

    private static TimeSpan?[]? ParseSteps(SanctionOptions o, string reasonCode, string kind)
    {
        if (!o.EffectiveLadders.TryGetValue(reasonCode, out var ladder))
        {
            return null;
        }
        var raw = kind switch { SanctionKinds.Mute => ladder.Mute, SanctionKinds.Ban => ladder.Ban, _ => [] };
        return raw.Count == 0 ? null : raw.Select(ParseStep).ToArray();
    }

    public static TimeSpan? ParseStep(string step) =>
        string.Equals(step.Trim(), Permanent, StringComparison.OrdinalIgnoreCase)
            ? null
            : TimeSpan.Parse(step, CultureInfo.InvariantCulture);

    public async Task<LadderProposal?> ProposeAsync(string playerId, string kind, string reasonCode, CancellationToken ct)
    {
        var steps = Steps(options.CurrentValue, reasonCode, kind);
        if (steps is null)
        {
            return null;
        }
        var prior = await db.Set<Sanction>().AsNoTracking()
            .CountAsync(s => s.PlayerId == playerId && s.Kind == kind && s.ReasonCode == reasonCode && !s.LiftedAsWrongful, ct);
        return Propose(steps, prior);
    }

    /// <summary>The proposal for a player with <paramref name="prior"/> counted offenses (counted as <see cref="ProposeAsync"/> does).</summary>
    public static LadderProposal Propose(IReadOnlyList<TimeSpan?> steps, int prior)
    {
        var index = Math.Min(prior, steps.Count - 1);
        return new LadderProposal(index + 1, steps.Count, prior, steps[index]);
    }
}
