using System.ComponentModel.DataAnnotations;
using GmTools.Console.Components.Pages.Sanctions;

namespace GmTools.Console.Components.Pages.ChatWatch;

/// <summary>Confirming a chat review: the sanction the GM issues with the flagged line (and the sender's other pending lines) as evidence.</summary>
public sealed class ConfirmReviewForm
{
    /// <summary>"mute" or "ban".</summary>
    [Required(ErrorMessage = "Validation_Required")]
    public string SanctionKind { get; set; } = "mute";

    [Required(ErrorMessage = "Validation_Required")]
    public string ReasonCode { get; set; } = "";

    /// <summary>False: the offense ladder's proposal.</summary>
    public bool FixedDuration { get; set; }

    [Range(1, 100_000, ErrorMessage = "Validation_Positive")]
    public int DurationValue { get; set; } = 1;

    public DurationUnit DurationUnit { get; set; } = DurationUnit.Days;

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    public TimeSpan Length => DurationUnit switch
    {
        DurationUnit.Minutes => TimeSpan.FromMinutes(DurationValue),
        DurationUnit.Hours => TimeSpan.FromHours(DurationValue),
        _ => TimeSpan.FromDays(DurationValue),
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["sanction_kind"] = nameof(SanctionKind),
        ["reason_code"] = nameof(ReasonCode),
        ["duration"] = nameof(DurationValue),
        ["reason"] = nameof(Reason),
    };

    public ConfirmChatReviewRequest ToRequest(string reviewId, string key) => new()
    {
        ReviewId = reviewId,
        SanctionKind = SanctionKind,
        ReasonCode = ReasonCode,
        Duration = FixedDuration ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Length) : null,
        Reason = Reason.Trim(),
        IdempotencyKey = key,
    };
}

/// <summary>Dismissing a chat review, optionally teaching the allowlist an innocent phrase of the line.</summary>
public sealed class DismissReviewForm
{
    [MaxLength(64, ErrorMessage = "Validation_TooLong")]
    public string AllowPhrase { get; set; } = "";

    [MaxLength(1000, ErrorMessage = "Validation_TooLong")]
    public string Note { get; set; } = "";

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["allow_phrase"] = nameof(AllowPhrase),
        ["note"] = nameof(Note),
    };

    public DismissChatReviewRequest ToRequest(string reviewId, string key) => new()
    {
        ReviewId = reviewId,
        AllowPhrase = AllowPhrase.Trim(),
        Note = Note.Trim(),
        IdempotencyKey = key,
    };
}
