using System.ComponentModel.DataAnnotations;

namespace GmTools.Console.Components.Pages.GameServers;

/// <summary>Register a game server: the id its people configure, a name staff read, a region, and why.</summary>
public sealed class RegisterGameServerForm
{
    /// <summary>As the server's GameServerIds: 2..32, a lower-case letter first, lower-case letters, digits or '-', not ending in '-'.</summary>
    [Required(ErrorMessage = "Validation_Required")]
    [RegularExpression("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", ErrorMessage = "Validation_GameServerId")]
    public string GameServerId { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(100, ErrorMessage = "Validation_TooLong")]
    public string DisplayName { get; set; } = "";

    [MaxLength(50, ErrorMessage = "Validation_TooLong")]
    public string Region { get; set; } = "";

    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    public RegisterGameServerRequest ToRequest() => new()
    {
        GameServerId = GameServerId.Trim(),
        DisplayName = DisplayName.Trim(),
        Region = Region.Trim(),
        Reason = Reason.Trim(),
    };

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["game_server_id"] = nameof(GameServerId),
        ["display_name"] = nameof(DisplayName),
        ["region"] = nameof(Region),
        ["reason"] = nameof(Reason),
    };
}

/// <summary>Rotate a game server's credential: the old one stops working, so the reason is required and audited.</summary>
public sealed class RotateCredentialForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(500, ErrorMessage = "Validation_TooLong")]
    public string Reason { get; set; } = "";

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["reason"] = nameof(Reason),
    };
}
