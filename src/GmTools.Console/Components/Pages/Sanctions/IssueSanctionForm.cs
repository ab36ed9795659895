using System.ComponentModel.DataAnnotations;
using GmTools.Console.Localization;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Console.Components.Pages.Sanctions;

public enum SanctionEndMode
{
    /// <summary>The offense ladder's proposal (no end sent; the server applies the ladder).</summary>
    Proposal,
    Duration,
    Until,
    Permanent,
}

public enum DurationUnit
{
    Minutes,
    Hours,
    Days,
}

/// <summary>What a GM fills in to mute, ban or kick one player.</summary>
public sealed class IssueSanctionForm : IValidatableObject
{
    public SanctionKind Kind { get; set; } = SanctionKind.Mute;

    /// <summary>False: only the player's own game server.</summary>
    public bool AllServers { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    public string ReasonCode { get; set; } = "";

    public SanctionEndMode EndMode { get; set; } = SanctionEndMode.Proposal;

    [Range(1, 100_000, ErrorMessage = "Validation_Positive")]
    public int DurationValue { get; set; } = 1;

    public DurationUnit DurationUnit { get; set; } = DurationUnit.Days;

    /// <summary>In the staff member's time zone.</summary>
    public DateTime? Until { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string TicketRef { get; set; } = "";

    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string OverrideReason { get; set; } = "";

    /// <summary>Chat line ids, separated by commas or spaces.</summary>
    [MaxLength(6500, ErrorMessage = "Validation_TooLong")]
    public string Evidence { get; set; } = "";

    public bool TakesEnd => Kind != SanctionKind.Kick;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TakesEnd && EndMode == SanctionEndMode.Until && Until is null)
        {
            yield return new ValidationResult("Validation_Required", [nameof(Until)]);
        }
        if (TakesEnd && EndMode != SanctionEndMode.Proposal && string.IsNullOrWhiteSpace(OverrideReason))
        {
            yield return new ValidationResult("Validation_OverrideReason", [nameof(OverrideReason)]);
        }
        if (EvidenceIds().Any(id => id.Length > 64) || EvidenceIds().Count() > 100)
        {
            yield return new ValidationResult("Validation_Evidence", [nameof(Evidence)]);
        }
    }

    public IEnumerable<string> EvidenceIds() =>
        Evidence.Split([',', ' ', '\n', '\t', '，'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);

    public TimeSpan Duration => DurationUnit switch
    {
        DurationUnit.Minutes => TimeSpan.FromMinutes(DurationValue),
        DurationUnit.Hours => TimeSpan.FromHours(DurationValue),
        _ => TimeSpan.FromDays(DurationValue),
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["reason"] = nameof(Reason),
        ["reason_code"] = nameof(ReasonCode),
        ["end"] = nameof(EndMode),
        ["end.duration"] = nameof(DurationValue),
        ["end.ends_at"] = nameof(Until),
        ["override_reason"] = nameof(OverrideReason),
        ["ticket_ref"] = nameof(TicketRef),
        ["evidence"] = nameof(Evidence),
        ["scope"] = nameof(AllServers),
    };

    public SanctionEnd? ToEnd(ConsolePreferences prefs) => !TakesEnd ? null : EndMode switch
    {
        SanctionEndMode.Duration => new SanctionEnd { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Duration) },
        SanctionEndMode.Until when Until is not null => new SanctionEnd { EndsAt = Timestamp.FromDateTimeOffset(prefs.ToUtc(Until.Value)) },
        SanctionEndMode.Permanent => new SanctionEnd { Permanent = true },
        _ => null,
    };

    public IssueSanctionRequest ToRequest(PlayerDetails player, ConsolePreferences prefs)
    {
        var request = new IssueSanctionRequest
        {
            PlayerId = player.PlayerId,
            Kind = Kind,
            Scope = AllServers ? new SanctionScope { AllGameServers = true } : new SanctionScope { GameServerId = player.GameServerId },
            ReasonCode = ReasonCode,
            Reason = Reason.Trim(),
            TicketRef = TicketRef.Trim(),
            OverrideReason = TakesEnd && EndMode != SanctionEndMode.Proposal ? OverrideReason.Trim() : "",
            End = ToEnd(prefs),
        };
        var evidence = EvidenceIds().ToList();
        if (evidence.Count > 0)
        {
            request.Evidence = new SanctionEvidence { ChatLineIds = { evidence } };
        }
        return request;
    }
}
