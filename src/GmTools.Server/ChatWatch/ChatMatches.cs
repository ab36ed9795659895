using GmTools.Server.ChatWatch.Engine;

namespace GmTools.Server.ChatWatch;

/// <summary>Matches of the window rules, shaped like the engine's so every flag reads the same way.</summary>
public static class ChatMatches
{
    public static RuleMatch Flood(string text) => new(ChatWindowRules.Flood, ChatWindowRules.Flood, "", 0, text.Length, EvasionSteps.None);

    public static RuleMatch Wave(string text) => new(ChatWindowRules.Wave, ChatWindowRules.Wave, "", 0, text.Length, EvasionSteps.None);

    /// <summary>Step names as the contract spells them ("width", "separators", ...).</summary>
    public static IEnumerable<string> StepNames(EvasionSteps steps) =>
        Enum.GetValues<EvasionSteps>()
            .Where(s => s is not (EvasionSteps.None or EvasionSteps.All) && steps.HasFlag(s))
            .Select(s => s.ToString().ToLowerInvariant());

    public static bool TryParseStep(string name, out EvasionSteps step) =>
        Enum.TryParse(name, ignoreCase: true, out step) && step is not (EvasionSteps.None or EvasionSteps.All) && Enum.IsDefined(step);
}
