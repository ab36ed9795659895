using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using GmTools.Console.Components.Widgets;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.Components.Pages.Grants;

/// <summary>
/// What a grant and a campaign share: catalogue lines, why, the mail the players read, and ids pasted as text.
/// The bounds mirror the server's (RewardLimits, RewardOptions); the server stays the authority.
/// </summary>
public abstract partial class RewardMailForm : IHasFormRows
{
    public const int MaxPlayerIdLength = 64;

    public List<GrantLineForm> Lines { get; } = [];

    /// <summary>Player ids, separated by commas, spaces or new lines; each form sets its own bounds.</summary>
    public abstract string Players { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string TicketRef { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(100, ErrorMessage = "Validation_TooLong")]
    public string MailTitle { get; set; } = "";

    [MaxLength(2000, ErrorMessage = "Validation_TooLong")]
    public string MailBody { get; set; } = "";

    IEnumerable<object> IHasFormRows.Rows => Lines;

    /// <summary>One player's share, in fen.</summary>
    public long ValuePerPlayer => Lines.Sum(l => l.Value);

    public IReadOnlyList<string> PlayerIds() =>
        Players.Split([',', ' ', '\n', '\r', '\t', '，', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();

    protected IEnumerable<RewardLine> RequestLines() => Lines.Select(l => new RewardLine { ItemId = l.Item.ItemId, Count = l.Count });

    /// <summary>The server's field names for the shared parts, and the form's own ones after them.</summary>
    protected static Dictionary<string, string> ServerFieldsWith(params (string ServerField, string Property)[] own)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lines"] = nameof(Lines),
            ["reason"] = nameof(Reason),
            ["ticket_ref"] = nameof(TicketRef),
            ["mail_title"] = nameof(MailTitle),
            ["mail_body"] = nameof(MailBody),
        };
        foreach (var (serverField, property) in own)
        {
            fields[serverField] = property;
        }
        return fields;
    }

    /// <summary>"lines[1].count" (or ".item_id") marks that line's count; null for any other path.</summary>
    protected FieldIdentifier? LineField(string path) =>
        LinePath().Match(path) is { Success: true } m
            && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < Lines.Count
            ? new FieldIdentifier(Lines[i], nameof(GrantLineForm.Count))
            : null;

    [GeneratedRegex(@"^lines\[(\d+)\]\.(count|item_id)$")]
    private static partial Regex LinePath();
}
