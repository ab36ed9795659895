using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Players;

namespace GmTools.Server.Rewards;

/// <summary>Shape checks of Rewards requests (all faults at once) and the proto → order conversions.</summary>
internal static class RewardValidation
{
    /// <summary>The texts a grant and a campaign both carry, and both put into the player's mail.</summary>
    public static Violations MailTexts(this Violations v, string reason, string ticketRef, string mailTitle, string mailBody) =>
        v.RequiredMax("reason", reason, RewardLimits.Reason)
            .MaxLength("ticket_ref", ticketRef, RewardLimits.TicketRef)
            .RequiredMax("mail_title", mailTitle, RewardLimits.MailTitle)
            .MaxLength("mail_body", mailBody, RewardLimits.MailBody);

    public static Violations ItemId(this Violations v, string field, string? id) =>
        CatalogueRules.IsValidItemId(id) ? v : v.Add(field, $"must be 1-{RewardLimits.ItemId} letters, digits, '.', '_' or '-'");

    /// <summary>Present, bounded, distinct, positive counts (no database).</summary>
    public static Violations Lines(this Violations v, IReadOnlyList<RewardLine> lines, int maxLines, long maxCount, string field = "lines")
    {
        if (lines.Count == 0)
        {
            return v.Add(field, "at least one line is required");
        }
        if (lines.Count > maxLines)
        {
            return v.Add(field, $"at most {maxLines} lines");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!CatalogueRules.IsValidItemId(line.ItemId))
            {
                v.ItemId($"{field}[{i}].item_id", line.ItemId);
            }
            else if (!seen.Add(line.ItemId))
            {
                v.Add($"{field}[{i}].item_id", "appears twice; put the counts on one line");
            }
            if (line.Count <= 0 || line.Count > maxCount)
            {
                v.Add($"{field}[{i}].count", $"must be between 1 and {maxCount}");
            }
        }
        return v;
    }

    public static Violations PlayerIds(this Violations v, IReadOnlyList<string> ids, int max, string field = "player_ids")
    {
        if (ids.Count == 0)
        {
            return v.Add(field, "at least one player is required");
        }
        if (ids.Count > max)
        {
            return v.Add(field, $"at most {max} players per request");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]) || ids[i].Length > PlayerLimits.PlayerId)
            {
                v.Add($"{field}[{i}]", $"must be 1-{PlayerLimits.PlayerId} characters");
            }
            else if (!seen.Add(ids[i]))
            {
                v.Add($"{field}[{i}]", "appears twice");
            }
        }
        return v;
    }

    /// <summary>
    /// The one place the campaign target oneof is read: checks it into <paramref name="v"/> and converts it. The result
    /// is meant for after <see cref="Violations.ThrowIfAny"/>; null only when the request has no usable target.
    /// </summary>
    public static CampaignTarget? Target(this Violations v, CreateCampaignRequest r)
    {
        switch (r.TargetCase)
        {
            case CreateCampaignRequest.TargetOneofCase.GameServers:
                var servers = r.GameServers.GameServerIds;
                if (servers.Count == 0 || servers.Count > RewardLimits.MaxCampaignServers)
                {
                    v.Add("game_servers.game_server_ids", $"between 1 and {RewardLimits.MaxCampaignServers} game servers");
                }
                else if (servers.Distinct(StringComparer.Ordinal).Count() != servers.Count)
                {
                    v.Add("game_servers.game_server_ids", "must not repeat a game server");
                }
                for (var i = 0; i < servers.Count; i++)
                {
                    v.CheckGameServerId($"game_servers.game_server_ids[{i}]", servers[i]);
                }
                return CampaignTarget.GameServers(servers);
            case CreateCampaignRequest.TargetOneofCase.IncidentWindow:
                var w = r.IncidentWindow;
                v.CheckGameServerId("incident_window.game_server_id", w.GameServerId);
                if (w.Start is null || w.End is null)
                {
                    v.Add("incident_window", "start and end are required");
                    return null;
                }
                if (new Violations().Timestamp("", w.Start).Timestamp("", w.End).Any)
                {
                    v.Timestamp("incident_window.start", w.Start).Timestamp("incident_window.end", w.End);
                    return null;
                }
                var (start, end) = (w.Start.ToDateTimeOffset(), w.End.ToDateTimeOffset());
                if (start >= end)
                {
                    v.Add("incident_window.end", "must be after start");
                }
                return CampaignTarget.IncidentWindow(w.GameServerId, start, end);
            case CreateCampaignRequest.TargetOneofCase.PlayerList:
                return CampaignTarget.PlayerList;
            default:
                v.Add("target", "is required (game_servers, incident_window or player_list)");
                return null;
        }
    }

    public static List<Line> ToLines(IEnumerable<RewardLine> lines) => [.. lines.Select(l => new Line(l.ItemId, l.Count))];

    public static GrantOrder ToOrder(CreateGrantRequest r) =>
        new(r.IdempotencyKey, ToLines(r.Lines), [.. r.PlayerIds], r.Reason, r.TicketRef, r.MailTitle, r.MailBody, r.CaseId == 0 ? null : r.CaseId);

    public static CampaignOrder ToOrder(CreateCampaignRequest r, CampaignTarget target) =>
        new(ToLines(r.Lines), target, r.Reason, r.TicketRef, r.MailTitle, r.MailBody);
}
