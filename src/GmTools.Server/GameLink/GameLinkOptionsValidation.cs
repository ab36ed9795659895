using Microsoft.Extensions.Options;

namespace GmTools.Server.GameLink;

/// <summary>The link's rules span fields (MaxInFlight against MaxBatch, heartbeats against intervals): each problem named at start.</summary>
internal sealed class GameLinkOptionsValidation : IValidateOptions<GameLinkOptions>
{
    public ValidateOptionsResult Validate(string? name, GameLinkOptions options)
    {
        var problems = options.Problems().Select(p => $"{GameLinkOptions.Section}: {p}").ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
