using System.ComponentModel.DataAnnotations;
using GmTools.Console.Localization;

namespace GmTools.Console.Components.Pages.Sanctions;

/// <summary>
/// One sanction for a selection of players. Bulk actions take no ladder proposal: the end is chosen here
/// (a kick has none). Previewed first; executed with exactly the previewed content.
/// </summary>
public sealed class BulkSanctionForm : IValidatableObject
{
    /// <summary>The server's default (SanctionOptions.MaxBulkPlayers); it refuses more, naming player_ids.</summary>
    public const int MaxPlayers = 1000;

    public SanctionKind Kind { get; set; } = SanctionKind.Mute;

    /// <summary>Player ids, separated by commas, spaces or new lines.</summary>
    [Required(ErrorMessage = "Validation_Required")]
    public string Players { get; set; } = "";

    /// <summary>Empty: every game server; otherwise the one game server it applies on.</summary>
    public string ScopeGameServerId { get; set; } = "";

    public SanctionEndMode EndMode { get; set; } = SanctionEndMode.Duration;

    [Range(1, 100_000, ErrorMessage = "Validation_Positive")]
    public int DurationValue { get; set; } = 1;

    public DurationUnit DurationUnit { get; set; } = DurationUnit.Days;

    public DateTime? Until { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    public string ReasonCode { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string TicketRef { get; set; } = "";

    public bool TakesEnd => Kind != SanctionKind.Kick;

    public IReadOnlyList<string> PlayerIds() =>
        Players.Split([',', ' ', '\n', '\r', '\t', '，', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var ids = PlayerIds();
        if (ids.Count > MaxPlayers)
        {
            yield return new ValidationResult("Validation_TooManyBulkPlayers", [nameof(Players)]);
        }
        if (ids.Any(id => id.Length > 64))
        {
            yield return new ValidationResult("Validation_PlayerId", [nameof(Players)]);
        }
        if (TakesEnd && EndMode == SanctionEndMode.Until && Until is null)
        {
            yield return new ValidationResult("Validation_Required", [nameof(Until)]);
        }
    }

    public PreviewBulkSanctionRequest ToRequest(ConsolePreferences prefs)
    {
        var request = new PreviewBulkSanctionRequest
        {
            Kind = Kind,
            Scope = ScopeGameServerId.Length == 0 ? new SanctionScope { AllGameServers = true } : new SanctionScope { GameServerId = ScopeGameServerId },
            ReasonCode = ReasonCode,
            Reason = Reason.Trim(),
            TicketRef = TicketRef.Trim(),
        };
        request.PlayerIds.AddRange(PlayerIds());
        if (TakesEnd)
        {
            request.End = new IssueSanctionForm
            {
                Kind = Kind,
                EndMode = EndMode == SanctionEndMode.Proposal ? SanctionEndMode.Duration : EndMode,
                DurationValue = DurationValue,
                DurationUnit = DurationUnit,
                Until = Until,
            }.ToEnd(prefs);
        }
        return request;
    }

    /// <summary>Preview names fields plainly; execute names them under "content." (the previewed content).</summary>
    public static readonly IReadOnlyDictionary<string, string> ServerFields = new[]
    {
        ("player_ids", nameof(Players)),
        ("kind", nameof(Kind)),
        ("scope", nameof(ScopeGameServerId)),
        ("end", nameof(EndMode)),
        ("end.duration", nameof(DurationValue)),
        ("end.ends_at", nameof(Until)),
        ("reason_code", nameof(ReasonCode)),
        ("reason", nameof(Reason)),
        ("ticket_ref", nameof(TicketRef)),
    }.SelectMany(f => new[] { (f.Item1, f.Item2), ("content." + f.Item1, f.Item2) })
     .ToDictionary(f => f.Item1, f => f.Item2, StringComparer.Ordinal);
}
