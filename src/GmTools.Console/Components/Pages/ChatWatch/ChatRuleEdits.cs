using System.ComponentModel.DataAnnotations;

namespace GmTools.Console.Components.Pages.ChatWatch;

/// <summary>One change an admin makes to the rule document before publishing it.</summary>
public sealed record ChatRuleEdit(ChatRuleEditKind Kind, string Text, string Category = "", ChatTermMatch Match = ChatTermMatch.Unspecified);

public enum ChatRuleEditKind
{
    AddTerm,
    RemoveTerm,
    AddAllow,
    RemoveAllow,
}

/// <summary>
/// The rules in force and the admin's changes to them, not published yet: <see cref="Edited"/> is what a dry run scores
/// and what publishing sends. One term change goes out as EditChatTerm, anything else as a whole new document.
/// </summary>
public sealed class ChatRuleDraft(ChatRules inForce, long version)
{
    private readonly List<ChatRuleEdit> _edits = [];
    private ChatRules? _edited;

    public ChatRules InForce { get; } = inForce;

    public long Version { get; } = version;

    public IReadOnlyList<ChatRuleEdit> Edits => _edits;

    public bool Changed => _edits.Count > 0;

    public void Add(ChatRuleEdit edit)
    {
        // The newest change of one text wins: adding then removing a term leaves only the removal.
        _edits.RemoveAll(e => e.Text == edit.Text && IsTerm(e.Kind) == IsTerm(edit.Kind));
        _edits.Add(edit);
        _edited = null;
    }

    public void Undo(ChatRuleEdit edit)
    {
        _edits.Remove(edit);
        _edited = null;
    }

    /// <summary>True when one term change is all there is: EditChatTerm publishes it.</summary>
    public ChatRuleEdit? SingleTermEdit => _edits is [{ Kind: ChatRuleEditKind.AddTerm or ChatRuleEditKind.RemoveTerm } only] ? only : null;

    /// <summary>The document with the changes applied (built once per change; do not modify it).</summary>
    public ChatRules Edited() => _edited ??= Build();

    private ChatRules Build()
    {
        var rules = InForce.Clone();
        foreach (var e in _edits)
        {
            switch (e.Kind)
            {
                case ChatRuleEditKind.AddTerm:
                    RemoveTerm(rules, e.Text);
                    rules.Terms.Add(new ChatTerm { Text = e.Text, Category = e.Category, Match = e.Match });
                    break;
                case ChatRuleEditKind.RemoveTerm:
                    RemoveTerm(rules, e.Text);
                    break;
                case ChatRuleEditKind.AddAllow:
                    if (!rules.Allowlist.Contains(e.Text))
                    {
                        rules.Allowlist.Add(e.Text);
                    }
                    break;
                case ChatRuleEditKind.RemoveAllow:
                    rules.Allowlist.Remove(e.Text);
                    break;
            }
        }
        return rules;
    }

    private static void RemoveTerm(ChatRules rules, string text)
    {
        for (var i = rules.Terms.Count - 1; i >= 0; i--)
        {
            if (rules.Terms[i].Text == text)
            {
                rules.Terms.RemoveAt(i);
            }
        }
    }

    private static bool IsTerm(ChatRuleEditKind kind) => kind is ChatRuleEditKind.AddTerm or ChatRuleEditKind.RemoveTerm;

    /// <summary>Pasted lines for a dry run: blank lines dropped, at most 1,000.</summary>
    public static List<string> Lines(string pasted) =>
        [.. pasted.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).Take(DryRunForm.MaxLines)];
}

public sealed class TermForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string Text { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    public string Category { get; set; } = "";

    public ChatTermMatch Match { get; set; }
}

public sealed class DryRunForm : IValidatableObject
{
    public const int MaxLines = 1000;
    public const int MaxLineLength = 512;

    [Required(ErrorMessage = "Validation_Required")]
    public string Pasted { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var lines = Pasted.Split('\n').Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count > MaxLines || lines.Any(l => l.TrimEnd('\r').Length > MaxLineLength))
        {
            yield return new ValidationResult("Validation_DryRunLines", [nameof(Pasted)]);
        }
    }
}

public sealed class PublishForm
{
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Note { get; set; } = "";
}
