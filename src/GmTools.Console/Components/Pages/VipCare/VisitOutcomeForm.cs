using System.ComponentModel.DataAnnotations;
using GmTools.Console.Localization;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Console.Components.Pages.VipCare;

/// <summary>One call's outcome: reached (satisfaction 1-5 or not asked, notes, a follow-up), not reached, or call back at a time the player asked for.</summary>
public sealed class VisitOutcomeForm : IValidatableObject
{
    public VisitOutcome Outcome { get; set; } = VisitOutcome.Unspecified;

    /// <summary>0 = not asked.</summary>
    [Range(0, 5, ErrorMessage = "Validation_Satisfaction")]
    public int Satisfaction { get; set; }

    [MaxLength(2000, ErrorMessage = "Validation_TooLong")]
    public string Notes { get; set; } = "";

    /// <summary>In the staff member's zone.</summary>
    public DateTime? CallBackAt { get; set; }

    public bool FollowUpNeeded { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Outcome == VisitOutcome.Unspecified)
        {
            yield return new ValidationResult("Validation_PickOutcome", [nameof(Outcome)]);
        }
        if (Outcome == VisitOutcome.CallBack && CallBackAt is null)
        {
            yield return new ValidationResult("Validation_Required", [nameof(CallBackAt)]);
        }
        if (Notes.Contains('\0', StringComparison.Ordinal))
        {
            yield return new ValidationResult("Validation_NoNul", [nameof(Notes)]);
        }
    }

    /// <summary>Only what the outcome uses: satisfaction and a follow-up when reached, the time when calling back.</summary>
    public RecordVisitOutcomeRequest ToRequest(long visitId, string idempotencyKey, ConsolePreferences prefs) => new()
    {
        VisitId = visitId,
        Outcome = Outcome,
        Satisfaction = Outcome == VisitOutcome.Reached ? Satisfaction : 0,
        Notes = Notes.Trim(),
        CallBackAt = Outcome == VisitOutcome.CallBack && CallBackAt is { } at ? Timestamp.FromDateTimeOffset(prefs.ToUtc(at)) : null,
        FollowUpNeeded = Outcome == VisitOutcome.Reached && FollowUpNeeded,
        IdempotencyKey = idempotencyKey,
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["outcome"] = nameof(Outcome),
        ["satisfaction"] = nameof(Satisfaction),
        ["notes"] = nameof(Notes),
        ["call_back_at"] = nameof(CallBackAt),
        ["follow_up_needed"] = nameof(FollowUpNeeded),
    };
}

/// <summary>A supervisor gives a visit to another agent, with a reason.</summary>
public sealed class ReassignVisitForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(128, ErrorMessage = "Validation_TooLong")]
    public string Assignee { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    public ReassignVisitRequest ToRequest(long visitId, string idempotencyKey) =>
        new() { VisitId = visitId, Assignee = Assignee.Trim(), Reason = Reason.Trim(), IdempotencyKey = idempotencyKey };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["assignee"] = nameof(Assignee),
        ["reason"] = nameof(Reason),
    };
}
