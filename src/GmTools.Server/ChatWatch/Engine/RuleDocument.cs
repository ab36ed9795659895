namespace GmTools.Server.ChatWatch.Engine;

/// <summary>How a Latin-script term must sit in the text. Han terms always match anywhere.</summary>
public enum TermMatch
{
    /// <summary>Short Latin terms (≤ 3 letters) whole words only, longer ones at a word's start, Han anywhere.</summary>
    Auto = 0,
    Anywhere = 1,
    WordStart = 2,
    WholeWord = 3,
}

public sealed record CategoryRule(string Name, EvasionSteps Steps);

public sealed record TermRule(string Text, string Category, TermMatch Match = TermMatch.Auto);

public sealed record PatternRule(string Name, string Regex, string Category);

/// <summary>One version of the chat rules as admins write it: plain data, compiled by <see cref="RuleSet.Compile"/>.</summary>
public sealed record RuleDocument(
    IReadOnlyList<CategoryRule> Categories,
    IReadOnlyList<TermRule> Terms,
    IReadOnlyList<PatternRule> Patterns,
    IReadOnlyList<string> Allowlist)
{
    public static RuleDocument Empty { get; } = new([], [], [], []);

    /// <summary>Steps a category not listed in <see cref="Categories"/> gets: everything.</summary>
    public EvasionSteps StepsOf(string category) =>
        Categories.FirstOrDefault(c => c.Name == category)?.Steps ?? EvasionSteps.All;
}

public sealed record RuleViolation(string Field, string Message);

/// <summary>A rule document that cannot be compiled; every problem is named by its field.</summary>
public sealed class RuleDocumentException(IReadOnlyList<RuleViolation> violations)
    : Exception(string.Join("; ", violations.Select(v => $"{v.Field}: {v.Message}")))
{
    public IReadOnlyList<RuleViolation> Violations { get; } = violations;
}

/// <summary>One reason a line was flagged, with its span in the original text.</summary>
public sealed record RuleMatch(string Category, string Rule, string Term, int Start, int Length, EvasionSteps Steps);

public sealed record LineScore(IReadOnlyList<RuleMatch> Matches)
{
    public static LineScore Clean { get; } = new([]);

    public bool Flagged => Matches.Count > 0;

    public RuleMatch? First => Matches.Count > 0 ? Matches[0] : null;
}
