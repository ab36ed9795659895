using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.Players;

/// <summary>Shape checks of the players capability's requests, at the edge; all faults reported at once.</summary>
internal static class PlayerValidation
{
    /// <summary>Checks every profile; the first call that finds anything wrong names each bad field, e.g. players[3].character_name.</summary>
    public static void Sync(SyncPlayersRequest request, int maxBatch)
    {
        var v = new Violations();
        if (request.Players.Count == 0)
        {
            v.Add("players", "must hold at least one profile");
        }
        else if (request.Players.Count > maxBatch)
        {
            v.Add("players", $"must hold at most {maxBatch} profiles");
            v.ThrowIfAny(); // don't walk an oversized batch
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Players.Count; i++)
        {
            var p = request.Players[i];
            var at = $"players[{i}]";
            v.RequiredMax($"{at}.player_id", p.PlayerId, PlayerLimits.PlayerId)
             .RequiredMax($"{at}.account", p.Account, PlayerLimits.Account)
             .RequiredMax($"{at}.character_name", p.CharacterName, PlayerLimits.CharacterName)
             .MaxLength($"{at}.contact", p.Contact, PlayerLimits.Contact);
            if (p.PlayerId.Length > 0 && !seen.Add(p.PlayerId))
            {
                v.Add($"{at}.player_id", "appears more than once in the batch");
            }
            if (p.Level is < 0 or > PlayerLimits.MaxLevel)
            {
                v.Add($"{at}.level", $"must be between 0 and {PlayerLimits.MaxLevel}");
            }
            if (p.VipPoints < 0)
            {
                v.Add($"{at}.vip_points", "must not be negative");
            }
            if (p.RechargeTotal < 0)
            {
                v.Add($"{at}.recharge_total", "must not be negative");
            }
            if (p.Version <= 0)
            {
                v.Add($"{at}.version", "must be greater than 0");
            }
            if (p.LastLoginAt is { } t && (t.Seconds < -62135596800 || t.Seconds > 253402300799 || t.Nanos is < 0 or > 999_999_999))
            {
                v.Add($"{at}.last_login_at", "is not a valid timestamp");
            }
            if (HasControlCharacters(p.CharacterName))
            {
                v.Add($"{at}.character_name", "must not contain control characters");
            }
            if (HasControlCharacters(p.Account))
            {
                v.Add($"{at}.account", "must not contain control characters");
            }
        }
        v.ThrowIfAny();
    }

    private static bool HasControlCharacters(string s) => s.Any(char.IsControl);
}
