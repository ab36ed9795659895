using System.ComponentModel.DataAnnotations;
using GmTools.Console.Components.Pages.Sanctions;

namespace GmTools.Console.Components.Pages.CheaterCases;

/// <summary>
/// Confirm a cheater case with the sanction to issue: the offense ladder's proposal unless the GM sets another end,
/// and then says why. The case's reports go with it as evidence (the server attaches them).
/// </summary>
public sealed class ConfirmAnomalyForm : IValidatableObject
{
    public SanctionKind Kind { get; set; } = SanctionKind.Ban;

    /// <summary>Proposal, Duration or Permanent (an end date is not offered here).</summary>
    public SanctionEndMode EndMode { get; set; } = SanctionEndMode.Proposal;

    [Range(1, 100_000, ErrorMessage = "Validation_Positive")]
    public int DurationValue { get; set; } = 7;

    public DurationUnit DurationUnit { get; set; } = DurationUnit.Days;

    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string OverrideReason { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Note { get; set; } = "";

    public static readonly SanctionEndMode[] EndModes = [SanctionEndMode.Proposal, SanctionEndMode.Duration, SanctionEndMode.Permanent];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EndMode != SanctionEndMode.Proposal && string.IsNullOrWhiteSpace(OverrideReason))
        {
            yield return new ValidationResult("Validation_OverrideReason", [nameof(OverrideReason)]);
        }
    }

    public ConfirmAnomalyCaseRequest ToRequest(long caseId, string idempotencyKey)
    {
        var span = DurationUnit switch
        {
            DurationUnit.Minutes => TimeSpan.FromMinutes(DurationValue),
            DurationUnit.Hours => TimeSpan.FromHours(DurationValue),
            _ => TimeSpan.FromDays(DurationValue),
        };
        return new ConfirmAnomalyCaseRequest
        {
            CaseId = caseId,
            Note = Note.Trim(),
            IdempotencyKey = idempotencyKey,
            Sanction = new AnomalySanctionChoice
            {
                Kind = Kind,
                End = EndMode switch
                {
                    SanctionEndMode.Duration => new SanctionEnd { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(span) },
                    SanctionEndMode.Permanent => new SanctionEnd { Permanent = true },
                    _ => null,
                },
                OverrideReason = EndMode == SanctionEndMode.Proposal ? "" : OverrideReason.Trim(),
            },
        };
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["note"] = nameof(Note),
        ["sanction"] = nameof(Kind),
        ["sanction.kind"] = nameof(Kind),
        ["sanction.end"] = nameof(EndMode),
        ["sanction.end.duration"] = nameof(DurationValue),
        ["sanction.override_reason"] = nameof(OverrideReason),
    };
}

/// <summary>A reason of 1..1,000 characters: dismissing a case, or a note on it.</summary>
public sealed class AnomalyTextForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Text { get; set; } = "";

    public static IReadOnlyDictionary<string, string> ServerFields(string field) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [field] = nameof(Text) };
}
