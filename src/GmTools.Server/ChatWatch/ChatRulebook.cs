using System.Text.Json;
using System.Text.Json.Serialization;
using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Sanctions;

namespace GmTools.Server.ChatWatch;

/// <summary>N flagged lines of <see cref="Category"/> from one player within <see cref="Window"/> → a sanction as the system actor.</summary>
public sealed record ChatPolicyRule(string Name, string Category, int Lines, TimeSpan Window, string SanctionKind, string ReasonCode, TimeSpan? Duration);

/// <summary>
/// One version of everything admins decide about chat, as plain data: the engine's rule document, the flood and
/// wave rules (a zero count switches one off) and the policies. Stored as JSON in <see cref="ChatRuleVersionEntity"/>.
/// </summary>
public sealed record ChatRulebook(RuleDocument Rules, FloodRule Flood, WaveRule Wave, IReadOnlyList<ChatPolicyRule> Policies)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>What a fresh installation runs with until an admin imports a dictionary.</summary>
    public static ChatRulebook Starter() => new(
        StarterRules.Document(),
        new FloodRule(10, TimeSpan.FromSeconds(10)),
        new WaveRule(5, TimeSpan.FromMinutes(1), 6),
        [new ChatPolicyRule("ads-mute", StarterRules.Ads, 3, TimeSpan.FromMinutes(10), SanctionKinds.Mute, "gold_selling", null)]);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ChatRulebook FromJson(string json) =>
        JsonSerializer.Deserialize<ChatRulebook>(json, Json) ?? throw new JsonException("empty rule document");
}

/// <summary>A rulebook compiled for scoring; immutable and shared by every ingest on the replica.</summary>
public sealed record CompiledRules(long Version, ChatRulebook Book, RuleSet RuleSet)
{
    public bool FloodOn => Book.Flood.MaxLines > 0 && Book.Flood.Window > TimeSpan.Zero;

    public bool WaveOn => Book.Wave.MinSenders > 0 && Book.Wave.Window > TimeSpan.Zero;

    public IEnumerable<ChatPolicyRule> PoliciesFor(string category) => Book.Policies.Where(p => p.Category == category);
}

/// <summary>Checks a rulebook whole: the engine's own checks (terms, patterns, allowlist) and those of the policies and windows.</summary>
public static class ChatRulebookRules
{
    /// <summary>Compiles or throws <see cref="RuleDocumentException"/> naming every problem (field paths as in chatwatch.proto's ChatRules).</summary>
    public static RuleSet Compile(ChatRulebook book, IReadOnlyCollection<string> reasonCodes)
    {
        var violations = new List<RuleViolation>();
        var doc = book.Rules;
        if (doc.Terms.Count > ChatLimits.Terms)
        {
            violations.Add(new("terms", $"at most {ChatLimits.Terms} terms"));
        }
        if (doc.Patterns.Count > ChatLimits.Patterns)
        {
            violations.Add(new("patterns", $"at most {ChatLimits.Patterns} patterns"));
        }
        if (doc.Allowlist.Count > ChatLimits.Allowlist)
        {
            violations.Add(new("allowlist", $"at most {ChatLimits.Allowlist} phrases"));
        }
        CheckPolicies(book, reasonCodes, violations);
        CheckWindows(book, violations);
        RuleSet? compiled = null;
        if (violations.Count == 0)
        {
            try
            {
                compiled = RuleSet.Compile(doc);
            }
            catch (RuleDocumentException e)
            {
                violations.AddRange(e.Violations);
            }
        }
        return violations.Count > 0 || compiled is null ? throw new RuleDocumentException(violations) : compiled;
    }

    private static void CheckPolicies(ChatRulebook book, IReadOnlyCollection<string> reasonCodes, List<RuleViolation> violations)
    {
        if (book.Policies.Count > ChatLimits.Policies)
        {
            violations.Add(new("policies", $"at most {ChatLimits.Policies} policies"));
        }
        var categories = book.Rules.Terms.Select(t => t.Category)
            .Concat(book.Rules.Patterns.Select(p => p.Category))
            .Concat(book.Rules.Categories.Select(c => c.Name))
            .Append(ChatWindowRules.Flood).Append(ChatWindowRules.Wave)
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < book.Policies.Count; i++)
        {
            var p = book.Policies[i];
            var f = $"policies[{i}]";
            if (string.IsNullOrWhiteSpace(p.Name) || p.Name.Length > ChatLimits.PolicyName)
            {
                violations.Add(new($"{f}.name", $"must be 1-{ChatLimits.PolicyName} characters"));
            }
            else if (book.Policies.Take(i).Any(o => o.Name == p.Name))
            {
                violations.Add(new($"{f}.name", $"policy '{p.Name}' is listed twice"));
            }
            if (!categories.Contains(p.Category))
            {
                violations.Add(new($"{f}.category", $"'{p.Category}' is not a category of this document"));
            }
            if (p.Lines is < 1 or > ChatLimits.PolicyLines)
            {
                violations.Add(new($"{f}.lines", $"must be 1-{ChatLimits.PolicyLines}"));
            }
            if (p.Window <= TimeSpan.Zero || p.Window > TimeSpan.FromDays(1))
            {
                violations.Add(new($"{f}.window", "must be more than zero and at most a day"));
            }
            if (p.SanctionKind is not (SanctionKinds.Mute or SanctionKinds.Ban))
            {
                violations.Add(new($"{f}.sanction_kind", "must be \"mute\" or \"ban\""));
            }
            if (!reasonCodes.Contains(p.ReasonCode))
            {
                violations.Add(new($"{f}.reason_code", $"'{p.ReasonCode}' is not a configured reason code"));
            }
            if (p.Duration is { } d && d <= TimeSpan.Zero)
            {
                violations.Add(new($"{f}.duration", "must be more than zero when set"));
            }
        }
    }

    private static void CheckWindows(ChatRulebook book, List<RuleViolation> violations)
    {
        if (book.Flood.MaxLines < 0 || (book.Flood.MaxLines > 0 && (book.Flood.Window <= TimeSpan.Zero || book.Flood.Window > TimeSpan.FromHours(1))))
        {
            violations.Add(new("flood", "max_lines must be 0 (off), or positive with a window of more than zero and at most an hour"));
        }
        if (book.Wave.MinSenders < 0 || (book.Wave.MinSenders > 0 && (book.Wave.Window <= TimeSpan.Zero || book.Wave.Window > TimeSpan.FromHours(1) || book.Wave.MinLength < 1)))
        {
            violations.Add(new("wave", "min_senders must be 0 (off), or positive with a window of more than zero and at most an hour and a min_length of at least 1"));
        }
    }
}
