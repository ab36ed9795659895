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
        if (o.ReopenPeriod < TimeSpan.Zero)
        {
            failures.Add("ReopenPeriod must not be negative");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
