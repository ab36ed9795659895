using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
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

/// <summary>What an agent fills in to compensate a few players: the shared parts and the players.</summary>
public sealed partial class GrantForm : RewardMailForm, IValidatableObject
{
    public const long MaxCountPerLine = 1_000_000;
    public const int MaxLines = 20;
    public const int MaxPlayers = 100;

    /// <summary>Player ids, separated by commas, spaces or new lines.</summary>
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(MaxPlayers * (MaxPlayerIdLength + 2), ErrorMessage = "Validation_TooLong")]
    public override string Players { get; set; } = "";

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
        var request = new CreateGrantRequest { IdempotencyKey = idempotencyKey, Reason = Reason.Trim(), TicketRef = TicketRef.Trim(), MailTitle = MailTitle.Trim(), MailBody = MailBody.Trim() };
        request.Lines.AddRange(RequestLines());
        request.PlayerIds.AddRange(PlayerIds());
        return request;
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = ServerFieldsWith(("player_ids", nameof(Players)));

    /// <summary>"lines[1].count" marks that line's count; "player_ids[3]" the players field.</summary>
    public FieldIdentifier? ResolveServerField(string path) =>
        LineField(path) ?? (PlayerPath().IsMatch(path) ? new FieldIdentifier(this, nameof(Players)) : null);

    [GeneratedRegex(@"^player_ids\[\d+\]$")]
    private static partial Regex PlayerPath();
}
