using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using GmTools.Console.Components.Pages.Grants;
using GmTools.Console.Localization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.Components.Pages.Campaigns;

public enum CampaignTargetKind
{
    /// <summary>Everyone on the chosen game servers (as synced when it expands).</summary>
    GameServers,

    /// <summary>Who was online on one game server during an incident.</summary>
    IncidentWindow,

    /// <summary>An uploaded list of player ids.</summary>
    PlayerList,
}

/// <summary>
/// A compensation campaign as a supervisor drafts it: catalogue lines, who receives them, why, and the mail.
/// Created as a draft; a list's ids are appended in chunks; previewed and submitted on its own page.
/// </summary>
public sealed partial class CampaignForm : RewardMailForm, IValidatableObject
{
    /// <summary>AppendCampaignPlayers takes up to 10,000 ids a call by default; smaller calls keep each one short.</summary>
    public const int AppendChunk = 1_000;
    public const int MaxUploadPlayers = 100_000;
    public const int MaxServers = 100;

    public CampaignTargetKind Target { get; set; } = CampaignTargetKind.GameServers;

    public HashSet<string> GameServerIds { get; } = new(StringComparer.Ordinal);

    public string WindowGameServerId { get; set; } = "";

    /// <summary>In the staff member's time zone.</summary>
    public DateTime? WindowStart { get; set; }

    public DateTime? WindowEnd { get; set; }

    /// <summary>Player ids, separated by commas, spaces or new lines.</summary>
    [MaxLength(MaxUploadPlayers * (MaxPlayerIdLength + 2), ErrorMessage = "Validation_TooLong")]
    public override string Players { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lines.Count == 0)
        {
            yield return new ValidationResult("Validation_NoLines", [nameof(Lines)]);
        }
        switch (Target)
        {
            case CampaignTargetKind.GameServers when GameServerIds.Count == 0 || GameServerIds.Count > MaxServers:
                yield return new ValidationResult("Validation_PickServers", [nameof(GameServerIds)]);
                break;
            case CampaignTargetKind.IncidentWindow:
                if (string.IsNullOrEmpty(WindowGameServerId))
                {
                    yield return new ValidationResult("Validation_Required", [nameof(WindowGameServerId)]);
                }
                if (WindowStart is null)
                {
                    yield return new ValidationResult("Validation_Required", [nameof(WindowStart)]);
                }
                if (WindowEnd is null)
                {
                    yield return new ValidationResult("Validation_Required", [nameof(WindowEnd)]);
                }
                else if (WindowStart is not null && WindowEnd <= WindowStart)
                {
                    yield return new ValidationResult("Validation_EndAfterStart", [nameof(WindowEnd)]);
                }
                break;
            case CampaignTargetKind.PlayerList:
                var ids = PlayerIds();
                if (ids.Count == 0)
                {
                    yield return new ValidationResult("Validation_Required", [nameof(Players)]);
                }
                else if (ids.Count > MaxUploadPlayers)
                {
                    yield return new ValidationResult("Validation_TooManyPlayers", [nameof(Players)]);
                }
                else if (ids.Any(id => id.Length > MaxPlayerIdLength))
                {
                    yield return new ValidationResult("Validation_PlayerId", [nameof(Players)]);
                }
                break;
        }
    }

    public CreateCampaignRequest ToRequest(string idempotencyKey, ConsolePreferences prefs)
    {
        var request = new CreateCampaignRequest { IdempotencyKey = idempotencyKey, Reason = Reason.Trim(), TicketRef = TicketRef.Trim(), MailTitle = MailTitle.Trim(), MailBody = MailBody.Trim() };
        request.Lines.AddRange(RequestLines());
        switch (Target)
        {
            case CampaignTargetKind.GameServers:
                request.GameServers = new GameServersTarget { GameServerIds = { GameServerIds.Order(StringComparer.Ordinal) } };
                break;
            case CampaignTargetKind.IncidentWindow:
                request.IncidentWindow = new IncidentWindowTarget
                {
                    GameServerId = WindowGameServerId,
                    Start = WindowStart is { } start ? Timestamp.FromDateTimeOffset(prefs.ToUtc(start)) : null,
                    End = WindowEnd is { } end ? Timestamp.FromDateTimeOffset(prefs.ToUtc(end)) : null,
                };
                break;
            default:
                request.PlayerList = new PlayerListTarget();
                break;
        }
        return request;
    }

    public static readonly IReadOnlyDictionary<string, string> ServerFields = ServerFieldsWith(
        ("target", nameof(Target)),
        ("game_servers", nameof(GameServerIds)),
        ("game_servers.game_server_ids", nameof(GameServerIds)),
        ("incident_window", nameof(WindowStart)),
        ("incident_window.game_server_id", nameof(WindowGameServerId)),
        ("incident_window.start", nameof(WindowStart)),
        ("incident_window.end", nameof(WindowEnd)),
        ("player_ids", nameof(Players)));

    /// <summary>"lines[1].count" marks that line; "game_servers.game_server_ids[2]" the servers; "player_ids[3]" the list.</summary>
    public FieldIdentifier? ResolveServerField(string path)
    {
        if (LineField(path) is { } line)
        {
            return line;
        }
        if (IndexedPath().Match(path) is { Success: true } indexed && ServerFields.TryGetValue(indexed.Groups[1].Value, out var property))
        {
            return new FieldIdentifier(this, property);
        }
        return null;
    }

    [GeneratedRegex(@"^([a-z_.]+)\[\d+\]$")]
    private static partial Regex IndexedPath();
}
