using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using GmTools.Console.Components.Widgets;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.Components.Pages.Grants;

/// <summary>One catalogue item and how many of it each player gets.</summary>
public sealed class GrantLineForm
{
    public required CatalogueItem Item { get; init; }

    [Range(1, GrantForm.MaxCountPerLine, ErrorMessage = "Validation_Count")]
    public long Count { get; set; } = 1;

    /// <summary>What one player's share of this line is worth, in fen.</summary>
    public long Value => Item.UnitValue * Count;
}

/// <summary>
/// What an agent fills in to compensate players: catalogue lines, the players, why, and the mail they read.
/// The bounds mirror the server's defaults (RewardOptions, RewardGrpcService); the server stays the authority.
/// </summary>
public sealed partial class GrantForm : IValidatableObject, IHasFormRows
{
    public const long MaxCountPerLine = 1_000_000;
    public const int MaxLines = 20;
    public const int MaxPlayers = 100;
    public const int MaxPlayerIdLength = 64;

    public List<GrantLineForm> Lines { get; } = [];

    /// <summary>Player ids, separated by commas, spaces or new lines.</summary>
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(MaxPlayers * (MaxPlayerIdLength + 2), ErrorMessage = "Validation_TooLong")]
    public string Players { get; set; } = "";

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

    public IReadOnlyList<string> PlayerIds() =>
        Players.Split([',', ' ', '\n', '\r', '\t', '，', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>One player's share, in fen.</summary>
    public long ValuePerPlayer => Lines.Sum(l => l.Value);

    /// <summary>What the server compares with the requester's limits: the share times the players.</summary>
    public long TotalValue => ValuePerPlayer * PlayerIds().Count;

    public bool Has(string itemId) => Lines.Any(l => l.Item.ItemId == itemId);

    public void Add(CatalogueItem item)
    {
        if (!Has(item.ItemId) && Lines.Count < MaxLines)
        {
            Lines.Add(new GrantLineForm { Item = item });
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lines.Count == 0)
        {
            yield return new ValidationResult("Validation_NoLines", [nameof(Lines)]);
        }
        var ids = PlayerIds();
        if (ids.Count > MaxPlayers)
        {
            yield return new ValidationResult("Validation_TooManyPlayers", [nameof(Players)]);
        }
        if (ids.Any(id => id.Length > MaxPlayerIdLength))
        {
            yield return new ValidationResult("Validation_PlayerId", [nameof(Players)]);
        }
    }

    public CreateGrantRequest ToRequest(string idempotencyKey)
    {
        var request = new CreateGrantRequest
        {
            IdempotencyKey = idempotencyKey,
            Reason = Reason.Trim(),
            TicketRef = TicketRef.Trim(),
            MailTitle = MailTitle.Trim(),
            MailBody = MailBody.Trim(),
        };
        request.Lines.AddRange(Lines.Select(l => new RewardLine { ItemId = l.Item.ItemId, Count = l.Count }));
        request.PlayerIds.AddRange(PlayerIds());
        return request;
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["lines"] = nameof(Lines),
        ["player_ids"] = nameof(Players),
        ["reason"] = nameof(Reason),
        ["ticket_ref"] = nameof(TicketRef),
        ["mail_title"] = nameof(MailTitle),
        ["mail_body"] = nameof(MailBody),
    };

    /// <summary>"lines[1].count" marks that line's count; "player_ids[3]" the players field.</summary>
    public FieldIdentifier? ResolveServerField(string path)
    {
        if (LinePath().Match(path) is { Success: true } m
            && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < Lines.Count)
        {
            return new FieldIdentifier(Lines[i], nameof(GrantLineForm.Count));
        }
        return PlayerPath().IsMatch(path) ? new FieldIdentifier(this, nameof(Players)) : null;
    }

    [GeneratedRegex(@"^lines\[(\d+)\]\.(count|item_id)$")]
    private static partial Regex LinePath();

    [GeneratedRegex(@"^player_ids\[\d+\]$")]
    private static partial Regex PlayerPath();
}
