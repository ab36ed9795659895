using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

/// <summary>A ladder step that does not parse, or a ladder for an unknown reason code, stops the process at start.</summary>
internal sealed class SanctionOptionsValidation : IValidateOptions<SanctionOptions>
{
    public ValidateOptionsResult Validate(string? name, SanctionOptions o)
    {
        var failures = new List<string>();
        foreach (var (code, ladder) in o.Ladders)
        {
            if (!o.EffectiveReasonCodes.Contains(code, StringComparer.Ordinal))
            {
                failures.Add($"Ladders:{code} is not one of the reason codes");
            }
            foreach (var step in ladder.Mute.Concat(ladder.Ban))
            {
                try
                {
                    OffenseLadder.ParseStep(step);
                }
                catch (FormatException)
                {
                    failures.Add($"Ladders:{code} step '{step}' is neither a TimeSpan nor '{OffenseLadder.Permanent}'");
                }
            }
        }
        if (o.LocalCacheTtl <= TimeSpan.Zero || o.RedisCacheTtl <= TimeSpan.Zero || o.RedisTimeout <= TimeSpan.Zero)
        {
            failures.Add("cache TTLs and the Redis timeout must be positive");
        }
        if (o.MaxMuteDuration <= TimeSpan.Zero || o.MaxBanDuration <= TimeSpan.Zero)
        {
            failures.Add("maximum durations must be positive");
        }
        if (o.AccessSet.CatchUpInterval <= TimeSpan.Zero || o.AccessSet.CatchUpInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add("AccessSet:CatchUpInterval must be positive and at most 10 seconds (it bounds how late a missed lift is seen)");
        }
        if (o.AccessSet.PruneInterval <= TimeSpan.Zero || o.AccessSet.MaxPlayers < 1)
        {
            failures.Add("AccessSet:PruneInterval and AccessSet:MaxPlayers must be positive");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
