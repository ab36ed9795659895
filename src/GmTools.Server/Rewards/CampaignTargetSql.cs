using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Rewards;

/// <summary>
/// The one definition of "who a campaign reaches", shared by the preview and the expansion so that what a
/// supervisor approves is what gets written. Each target yields (player_id, game_server_id) from `players p`,
/// ordered by player id so expansion can page through it with a cursor.
/// </summary>
internal static class CampaignTargetSql
{
    /// <summary>FROM/WHERE clause over alias p; "key" is the column the cursor pages on.</summary>
    public static (string From, string Key) For(Campaign c) => c.TargetKind switch
    {
        CampaignTargets.GameServers => ("players p WHERE p.game_server_id = ANY(@servers)", "p.player_id"),
        // The players table has no session history. Online during [start, end] is approximated by: logged
        // in within the window, or online now with a login before the end (that session spans the end).
        CampaignTargets.IncidentWindow => (
            "players p WHERE p.game_server_id = ANY(@servers) AND p.last_login_at <= @window_end AND (p.last_login_at >= @window_start OR p.online)",
            "p.player_id"),
        CampaignTargets.PlayerList => (
            "campaign_uploaded_players u JOIN players p ON p.player_id = u.player_id WHERE u.campaign_id = @campaign_id",
            "u.player_id"),
        _ => throw new InvalidOperationException($"unknown campaign target '{c.TargetKind}'"),
    };

    public static void AddParameters(NpgsqlCommand cmd, Campaign c)
    {
        cmd.Parameters.Add(new NpgsqlParameter("servers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = c.TargetGameServers });
        cmd.Parameters.Add(new NpgsqlParameter("window_start", NpgsqlDbType.TimestampTz) { Value = (object?)c.WindowStart ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("window_end", NpgsqlDbType.TimestampTz) { Value = (object?)c.WindowEnd ?? DBNull.Value });
        cmd.Parameters.AddWithValue("campaign_id", c.CampaignId);
    }
}
