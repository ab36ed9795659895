using System.ComponentModel.DataAnnotations;
using System.Globalization;
using GmTools.Console.Localization;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Console.Components.Pages.Cases;

public enum RecordInput
{
    Text,
    Time,
    Amount,
}

/// <summary>A field of a case's record as ListCaseKinds names it ("order_reference"), how it is typed, and its limit.</summary>
public sealed record RecordField(string Name, RecordInput Input, int MaxLength = 128)
{
    /// <summary>The form member (and the server's field path) it is validated under.</summary>
    public string Member => "record." + Name;

    public static readonly RecordField[] All =
    [
        new("account", RecordInput.Text),
        new("game_server_id", RecordInput.Text),
        new("character_name", RecordInput.Text),
        new("event_time", RecordInput.Time),
        new("contact", RecordInput.Text, 256),
        new("item_name", RecordInput.Text),
        new("location", RecordInput.Text, 256),
        new("payment_channel", RecordInput.Text),
        new("order_reference", RecordInput.Text),
        new("amount", RecordInput.Amount),
        new("currency", RecordInput.Text),
        new("payment_time", RecordInput.Time),
        new("game_area", RecordInput.Text),
        new("client_version", RecordInput.Text),
    ];
}

/// <summary>
/// Open a case: who, what kind, how it came in, and the record the kind requires (ListCaseKinds). Record values are
/// typed as text (times as the browser's local date-time, in the staff zone; the amount in the currency's smallest
/// unit) and checked here per kind, so a missing field is marked before the server refuses it by the same name.
/// </summary>
public sealed class OpenCaseForm : IValidatableObject
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string PlayerId { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    public string Kind { get; set; } = "";

    public CaseChannel Channel { get; set; } = CaseChannel.Phone;

    public CasePriority Priority { get; set; } = CasePriority.Normal;

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(200, ErrorMessage = "Validation_TooLong")]
    public string Summary { get; set; } = "";

    [MaxLength(4000, ErrorMessage = "Validation_TooLong")]
    public string Description { get; set; } = "";

    public Dictionary<string, string> Record { get; } = RecordField.All.ToDictionary(f => f.Name, _ => "", StringComparer.Ordinal);

    /// <summary>The chosen kind's required record fields (ListCaseKinds).</summary>
    public IReadOnlySet<string> RequiredFields { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Channel == CaseChannel.Unspecified)
        {
            yield return new ValidationResult("Validation_Required", [nameof(Channel)]);
        }
        foreach (var field in RecordField.All)
        {
            var value = Record[field.Name].Trim();
            if (value.Length == 0)
            {
                if (RequiredFields.Contains(field.Name))
                {
                    yield return new ValidationResult("Validation_Required", [field.Member]);
                }
                continue;
            }
            var problem = field.Input switch
            {
                _ when value.Length > field.MaxLength => "Validation_TooLong",
                _ when value.Contains('\0', StringComparison.Ordinal) => "Validation_NoNul",
                RecordInput.Time when ParseTime(value) is null => "Validation_Time",
                RecordInput.Amount when !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount < 1 => "Validation_Positive",
                _ => null,
            };
            if (problem is not null)
            {
                yield return new ValidationResult(problem, [field.Member]);
            }
        }
    }

    public static DateTime? ParseTime(string value) =>
        DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;

    public OpenCaseRequest ToRequest(string idempotencyKey, ConsolePreferences prefs)
    {
        string Text(string name) => Record[name].Trim();
        Timestamp? Time(string name) => ParseTime(Text(name)) is { } local ? Timestamp.FromDateTimeOffset(prefs.ToUtc(local)) : null;
        return new OpenCaseRequest
        {
            PlayerId = PlayerId.Trim(),
            Kind = Kind,
            Channel = Channel,
            Priority = Priority,
            Summary = Summary.Trim(),
            Description = Description.Trim(),
            IdempotencyKey = idempotencyKey,
            Record = new CaseRecord
            {
                Account = Text("account"),
                GameServerId = Text("game_server_id"),
                CharacterName = Text("character_name"),
                EventTime = Time("event_time"),
                Contact = Text("contact"),
                ItemName = Text("item_name"),
                Location = Text("location"),
                PaymentChannel = Text("payment_channel"),
                OrderReference = Text("order_reference"),
                Amount = long.TryParse(Text("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) ? amount : 0,
                Currency = Text("currency"),
                PaymentTime = Time("payment_time"),
                GameArea = Text("game_area"),
                ClientVersion = Text("client_version"),
            },
        };
    }

    /// <summary>The server's paths: the request's own fields, and "record.x" under the same member the form validates.</summary>
    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(
        RecordField.All.Select(f => KeyValuePair.Create(f.Member, f.Member)).Concat(
        [
            KeyValuePair.Create("player_id", nameof(PlayerId)),
            KeyValuePair.Create("kind", nameof(Kind)),
            KeyValuePair.Create("channel", nameof(Channel)),
            KeyValuePair.Create("priority", nameof(Priority)),
            KeyValuePair.Create("summary", nameof(Summary)),
            KeyValuePair.Create("description", nameof(Description)),
        ]), StringComparer.Ordinal);
}

/// <summary>Text kept on the case (a note, the reason for a move); required unless the action says otherwise.</summary>
public sealed class CaseTextForm : IValidatableObject
{
    public CaseTextForm(int maxLength, bool required)
    {
        MaxLength = maxLength;
        IsRequired = required;
    }

    public string Text { get; set; } = "";

    public int MaxLength { get; }

    public bool IsRequired { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsRequired && string.IsNullOrWhiteSpace(Text))
        {
            yield return new ValidationResult("Validation_Required", [nameof(Text)]);
        }
        if (Text.Length > MaxLength)
        {
            yield return new ValidationResult("Validation_TooLong", [nameof(Text)]);
        }
        if (Text.Contains('\0', StringComparison.Ordinal))
        {
            yield return new ValidationResult("Validation_NoNul", [nameof(Text)]);
        }
    }
}

/// <summary>Link the case to a sanction, grant, campaign, visit or chat line (a chat line also names its game server).</summary>
public sealed class LinkCaseForm : IValidatableObject
{
    public CaseLinkKind Kind { get; set; } = CaseLinkKind.Sanction;

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string ObjectId { get; set; } = "";

    [MaxLength(32, ErrorMessage = "Validation_TooLong")]
    public string GameServerId { get; set; } = "";

    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Note { get; set; } = "";

    public static readonly CaseLinkKind[] Kinds = [CaseLinkKind.Sanction, CaseLinkKind.Grant, CaseLinkKind.Campaign, CaseLinkKind.Visit, CaseLinkKind.ChatLine];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind == CaseLinkKind.ChatLine && string.IsNullOrWhiteSpace(GameServerId))
        {
            yield return new ValidationResult("Validation_Required", [nameof(GameServerId)]);
        }
    }

    public LinkCaseRequest ToRequest(long caseId, string idempotencyKey) => new()
    {
        CaseId = caseId,
        Kind = Kind,
        ObjectId = ObjectId.Trim(),
        GameServerId = Kind == CaseLinkKind.ChatLine ? GameServerId.Trim() : "",
        Note = Note.Trim(),
        IdempotencyKey = idempotencyKey,
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kind"] = nameof(Kind),
        ["object_id"] = nameof(ObjectId),
        ["game_server_id"] = nameof(GameServerId),
        ["note"] = nameof(Note),
    };
}

/// <summary>充值调帐: credit a recharge that did not arrive, by its payment reference, in the smallest currency unit.</summary>
public sealed class RechargeAdjustmentForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(128, ErrorMessage = "Validation_TooLong")]
    public string PaymentReference { get; set; } = "";

    [Range(1, long.MaxValue, ErrorMessage = "Validation_Positive")]
    public long Amount { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "Validation_Currency")]
    public string Currency { get; set; } = "CNY";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    /// <summary>Prefilled from the case's record: the order reference, amount and currency the player reported.</summary>
    public static RechargeAdjustmentForm From(CaseRecord? record) => new()
    {
        PaymentReference = record?.OrderReference ?? "",
        Amount = record?.Amount ?? 0,
        Currency = record is { Currency.Length: > 0 } ? record.Currency : "CNY",
    };

    public RequestRechargeAdjustmentRequest ToRequest(long caseId, string idempotencyKey) => new()
    {
        CaseId = caseId,
        PaymentReference = PaymentReference.Trim(),
        Amount = Amount,
        Currency = Currency.Trim(),
        Reason = Reason.Trim(),
        IdempotencyKey = idempotencyKey,
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["payment_reference"] = nameof(PaymentReference),
        ["amount"] = nameof(Amount),
        ["currency"] = nameof(Currency),
        ["reason"] = nameof(Reason),
    };
}
