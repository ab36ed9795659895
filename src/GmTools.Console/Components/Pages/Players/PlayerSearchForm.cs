using System.ComponentModel.DataAnnotations;

namespace GmTools.Console.Components.Pages.Players;

public enum PlayerSearchMode
{
    NameFuzzy,
    NamePrefix,
    PlayerId,
    Account,
}

public sealed class PlayerSearchForm
{
    [Required(ErrorMessage = "Validation_Required")]
    [MaxLength(128, ErrorMessage = "Validation_TooLong")]
    public string Query { get; set; } = "";

    public PlayerSearchMode Mode { get; set; } = PlayerSearchMode.NameFuzzy;

    /// <summary>Empty: every game server the staff member may see.</summary>
    public string GameServerId { get; set; } = "";

    public static readonly IReadOnlyDictionary<string, string> ServerFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["player_id"] = nameof(Query),
        ["account"] = nameof(Query),
        ["name_prefix"] = nameof(Query),
        ["name_fuzzy"] = nameof(Query),
        ["game_server_id"] = nameof(GameServerId),
    };

    public SearchPlayersRequest ToRequest(int pageSize, string pageToken)
    {
        var request = new SearchPlayersRequest { GameServerId = GameServerId, PageSize = pageSize, PageToken = pageToken };
        var q = Query.Trim();
        switch (Mode)
        {
            case PlayerSearchMode.PlayerId: request.PlayerId = q; break;
            case PlayerSearchMode.Account: request.Account = q; break;
            case PlayerSearchMode.NamePrefix: request.NamePrefix = q; break;
            default: request.NameFuzzy = q; break;
        }
        return request;
    }
}
