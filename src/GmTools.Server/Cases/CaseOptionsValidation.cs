using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

/// <summary>An unknown record field, a duplicate or malformed kind name stops the process at start.</summary>
internal sealed partial class CaseOptionsValidation : IValidateOptions<CaseOptions>
{
    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex KindName();

    public ValidateOptionsResult Validate(string? name, CaseOptions o)
    {
        var failures = new List<string>();
        if (o.EffectiveKinds.Count > CaseLimits.KindCount)
        {
            failures.Add($"Kinds: at most {CaseLimits.KindCount}");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in o.EffectiveKinds)
        {
            if (kind.Name.Length > CaseLimits.Kind || !KindName().IsMatch(kind.Name))
            {
                failures.Add($"Kinds: '{kind.Name}' must be 1-{CaseLimits.Kind} lower-case letters, digits or '_', starting with a letter");
            }
            if (!seen.Add(kind.Name))
            {
                failures.Add($"Kinds: '{kind.Name}' appears twice");
            }
            failures.AddRange(kind.RequiredFields.Where(f => !CaseRecordFields.IsKnown(f)).Select(f => $"Kinds:{kind.Name}: '{f}' is not a record field ({string.Join(", ", CaseRecordFields.All)})"));
        }
        failures.AddRange(o.EffectiveCommonRequiredFields.Where(f => !CaseRecordFields.IsKnown(f)).Select(f => $"CommonRequiredFields: '{f}' is not a record field"));
        if (o.EffectiveEscalationLevels.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() != o.EffectiveEscalationLevels.Count
            || o.EffectiveEscalationLevels.Any(l => l.Name.Length > CaseLimits.Level || !KindName().IsMatch(l.Name) || l.DecidedBy == Security.Role.GameServer))
        {
            failures.Add("EscalationLevels: names must be unique, 1-32 lower-case letters, digits or '_', decided by a staff role");
        }
        foreach (var rule in o.SlaRules)
        {
            if (rule.Kind is { } k && o.Kind(k) is null)
            {
                failures.Add($"SlaRules: kind '{k}' is not a configured kind");
            }
            if (rule.Priority is { } p && p is not (CasePriorities.Low or CasePriorities.Normal or CasePriorities.High or CasePriorities.Urgent))
            {
                failures.Add($"SlaRules: priority '{p}' is not low, normal, high or urgent");
            }
            if (rule.FirstResponse <= TimeSpan.Zero || rule.Resolution <= TimeSpan.Zero)
            {
                failures.Add("SlaRules: deadlines must be positive");
            }
        }
        if (o.FirstResponse <= TimeSpan.Zero || o.Resolution <= TimeSpan.Zero || o.WarnBefore < TimeSpan.Zero || o.SlaSweepInterval <= TimeSpan.Zero)
        {
            failures.Add("FirstResponse, Resolution and SlaSweepInterval must be positive, WarnBefore not negative");
        }
        if (o.ReopenPeriod < TimeSpan.Zero)
        {
            failures.Add("ReopenPeriod must not be negative");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
