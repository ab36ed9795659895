namespace GmTools.Server.ChatWatch;

/// <summary>Every bound of chat watch, used by both the edge validation and the EF configuration.</summary>
public static class ChatLimits
{
    public const int LineId = 64;
    /// <summary>Characters of one chat line, after UTF-8 decoding.</summary>
    public const int Text = 512;
    /// <summary>Bytes of one line's UTF-8 text (four bytes a character at most).</summary>
    public const int TextBytes = Text * 4;
    public const int BatchLines = 1000;
    public const int Category = Engine.RuleSet.MaxCategoryLength;
    public const int Rule = 64;
    /// <summary>A matched term, or the matched text of a pattern (cut to this).</summary>
    public const int Term = 128;
    public const int Steps = 128;
    public const int Note = 1000;
    public const int PolicyName = 32;
    public const int Policies = 50;
    public const int PolicyLines = EvidenceLines;
    public const int Terms = 100_000;
    public const int Patterns = 200;
    public const int Allowlist = 10_000;
    public const int DryRunLines = 1000;
    /// <summary>Stored state, source and channel names.</summary>
    public const int Name = 16;
    /// <summary>Lines a player's flags carry into one sanction as evidence (the sanction's own bound).</summary>
    public const int EvidenceLines = Sanctions.SanctionLimits.EvidenceIds;
}
