using System.ComponentModel.DataAnnotations;

namespace GmTools.Console.Components.Pages.Sanctions;

public enum SanctionAction
{
    Lift,
    ChangeEnd,
    Appeal,
}

/// <summary>Lift, change the end of, or file an appeal against one sanction.</summary>
public sealed class SanctionActionForm : IValidatableObject
{
    public SanctionAction Action { get; set; }

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(4000, ErrorMessage = "Validation_TooLong")]
    public string Text { get; set; } = "";

    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string TicketRef { get; set; } = "";

    /// <summary>Lift: the sanction was a mistake and stops counting on the ladder.</summary>
    public bool Wrongful { get; set; }

    public SanctionEndMode EndMode { get; set; } = SanctionEndMode.Duration;

    [Range(1, 100_000, ErrorMessage = "Validation_Positive")]
    public int DurationValue { get; set; } = 1;

    public DurationUnit DurationUnit { get; set; } = DurationUnit.Days;

    public DateTime? Until { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Action == SanctionAction.ChangeEnd && EndMode == SanctionEndMode.Until && Until is null)
        {
            yield return new ValidationResult("Validation_Required", [nameof(Until)]);
        }
        if (Action != SanctionAction.Appeal && Text.Length > 1000)
        {
            yield return new ValidationResult("Validation_TooLong", [nameof(Text)]);
        }
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["reason"] = nameof(Text),
        ["statement"] = nameof(Text),
        ["ticket_ref"] = nameof(TicketRef),
        ["end"] = nameof(EndMode),
        ["end.duration"] = nameof(DurationValue),
        ["end.ends_at"] = nameof(Until),
    };

    public SanctionEnd ToEnd(Localization.ConsolePreferences prefs) => new IssueSanctionForm
    {
        Kind = SanctionKind.Ban,
        EndMode = EndMode == SanctionEndMode.Proposal ? SanctionEndMode.Duration : EndMode,
        DurationValue = DurationValue,
        DurationUnit = DurationUnit,
        Until = Until,
    }.ToEnd(prefs)!;
}
