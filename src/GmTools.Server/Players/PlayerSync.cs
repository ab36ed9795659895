using GmTools.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Players;

public sealed record SyncResult(int Inserted, int Updated, int SkippedStale);

/// <summary>
/// Upserts a game server's batch of profiles in one statement (one round trip, atomic).
/// <para>
/// Versioning: a row changes only when the incoming version is strictly newer, so replays, retries and
/// out-of-order batches are harmless. Moving servers: a player who moves to another game server arrives as
/// a newer version carrying the new game_server_id, so a game server claims a player only through a newer
/// version; the old server's later (stale) rows for that player are skipped, never flip it back.
/// </para>
/// <para>
/// No audit record per row: syncs are the game servers' high-volume reporting of their own state, not a
/// staff mutation of ours, and an audit line per profile would drown the chain (and serialize every sync on
/// its head lock). What staff change about a player is audited where they change it.
/// </para>
/// </summary>
public sealed class PlayerSync(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Upsert = """
        INSERT INTO players AS p (player_id, account, game_server_id, character_name, level, vip_points, recharge_total,
                                  last_login_at, contact, online, version, synced_at)
        SELECT r.player_id, r.account, @game_server_id, r.character_name, r.level, r.vip_points, r.recharge_total,
               r.last_login_at, r.contact, r.online, r.version, @synced_at
        FROM unnest(@player_id, @account, @character_name, @level, @vip_points, @recharge_total,
                    @last_login_at, @contact, @online, @version)
             AS r(player_id, account, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version)
        ON CONFLICT (player_id) DO UPDATE SET
            account = excluded.account,
            game_server_id = excluded.game_server_id,
            character_name = excluded.character_name,
            level = excluded.level,
            vip_points = excluded.vip_points,
            recharge_total = excluded.recharge_total,
            last_login_at = excluded.last_login_at,
            contact = excluded.contact,
            online = excluded.online,
            version = excluded.version,
            synced_at = excluded.synced_at
        WHERE p.version < excluded.version
        RETURNING (xmax = 0) AS inserted
        """;

    /// <summary>Upserts a validated batch for <paramref name="gameServerId"/>.</summary>
    public async Task<SyncResult> SyncAsync(string gameServerId, IReadOnlyList<PlayerProfile> batch, CancellationToken ct)
    {
        // Rows are written in player-id order so two overlapping batches lock rows in the same order (no deadlock).
        batch = batch.OrderBy(p => p.PlayerId, StringComparer.Ordinal).ToArray();
        var n = batch.Count;
        var ids = new string[n];
        var accounts = new string[n];
        var names = new string[n];
        var levels = new int[n];
        var vip = new long[n];
        var recharge = new long[n];
        var lastLogin = new DateTime?[n];
        var contacts = new string[n];
        var online = new bool[n];
        var versions = new long[n];
        for (var i = 0; i < n; i++)
        {
            var p = batch[i];
            ids[i] = p.PlayerId;
            accounts[i] = p.Account;
            names[i] = p.CharacterName;
            levels[i] = p.Level;
            vip[i] = p.VipPoints;
            recharge[i] = p.RechargeTotal;
            lastLogin[i] = p.LastLoginAt?.ToDateTime();
            contacts[i] = p.Contact;
            online[i] = p.Online;
            versions[i] = p.Version;
        }

        await using var cmd = dataSource.CreateCommand(Upsert);
        cmd.Parameters.Add(new NpgsqlParameter<string>("game_server_id", gameServerId));
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("synced_at", NpgsqlDbType.TimestampTz) { TypedValue = time.GetUtcNow() });
        cmd.Parameters.Add(new NpgsqlParameter("player_id", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        cmd.Parameters.Add(new NpgsqlParameter("account", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = accounts });
        cmd.Parameters.Add(new NpgsqlParameter("character_name", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = names });
        cmd.Parameters.Add(new NpgsqlParameter("level", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = levels });
        cmd.Parameters.Add(new NpgsqlParameter("vip_points", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = vip });
        cmd.Parameters.Add(new NpgsqlParameter("recharge_total", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = recharge });
        cmd.Parameters.Add(new NpgsqlParameter("last_login_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = lastLogin });
        cmd.Parameters.Add(new NpgsqlParameter("contact", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = contacts });
        cmd.Parameters.Add(new NpgsqlParameter("online", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = online });
        cmd.Parameters.Add(new NpgsqlParameter("version", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions });

        int inserted = 0, updated = 0;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(0))
                {
                    inserted++;
                }
                else
                {
                    updated++;
                }
            }
        }
        return new SyncResult(inserted, updated, n - inserted - updated);
    }
}
