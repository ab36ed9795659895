using GmTools.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Players;

public sealed record SyncResult(int Inserted, int Updated, int SkippedStale, IReadOnlyList<SyncRefusal> Refused);

/// <summary>A synced player whose recharge total moved (from 0 for a new player).</summary>
public sealed record RechargeChange(string PlayerId, long From, long To);

/// <summary>
/// Told after a sync commits which players' recharge totals moved (VIP care recomputes their tiers). A watcher
/// that fails does not fail the sync: the sync is the game server's record and is already committed, and a watcher
/// must catch up by itself (VIP care's planning run reconciles every tier with recharge_total).
/// </summary>
public interface IRechargeWatcher
{
    Task RechargeChangedAsync(IReadOnlyList<RechargeChange> changes, CancellationToken ct);
}

/// <summary>A row the batch may not write: <see cref="Index"/> is its place in the request (players[i]).</summary>
public sealed record SyncRefusal(int Index, string PlayerId, string Reason);

/// <summary>
/// Upserts a game server's batch of profiles in one statement (one round trip, atomic).
/// <para>
/// Versioning: a row changes only when the incoming version is strictly newer, so replays, retries and
/// out-of-order batches are harmless.
/// </para>
/// <para>
/// Ownership: a game server writes only players it owns (or new ones, which it then owns). A row for a player who
/// lives on another server is refused and reported as players[i], and the rest of the batch is applied: otherwise a
/// compromised server could claim anyone with a huge version, and the owner's corrections would be stale forever.
/// A move between servers is a staff operation (<see cref="PlayerTransfers"/>), audited.
/// </para>
/// <para>
/// No audit record per row: syncs are the game servers' high-volume reporting of their own state, not a
/// staff mutation of ours. What staff change about a player is audited where they change it.
/// </para>
/// </summary>
public sealed class PlayerSync(NpgsqlDataSource dataSource, TimeProvider time, IEnumerable<IRechargeWatcher> watchers, ILogger<PlayerSync> logger)
{
    public const string OwnedElsewhere = "the player lives on another game server; a move is a staff transfer (TransferPlayer)";

    // The refusal test reads the statement's snapshot: a player created by another server concurrently with this
    // batch is skipped as stale (the upsert's WHERE still refuses it), never taken over.
    private const string Upsert = """
        WITH input AS (
            SELECT * FROM unnest(@player_id, @account, @character_name, @level, @vip_points, @recharge_total,
                                 @last_login_at, @contact, @online, @version)
                AS r(player_id, account, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version)
        ), before AS (
            -- the same snapshot as the upsert: the recharge totals before this batch (for the recharge watchers)
            SELECT player_id, recharge_total FROM players WHERE player_id = ANY(@player_id)
        ), written AS (
            INSERT INTO players AS p (player_id, account, game_server_id, character_name, level, vip_points, recharge_total,
                                      last_login_at, contact, online, version, synced_at)
            SELECT r.player_id, r.account, @game_server_id, r.character_name, r.level, r.vip_points, r.recharge_total,
                   r.last_login_at, r.contact, r.online, r.version, @synced_at
            FROM input r
            ORDER BY r.player_id
            ON CONFLICT (player_id) DO UPDATE SET
                account = excluded.account,
                character_name = excluded.character_name,
                level = excluded.level,
                vip_points = excluded.vip_points,
                recharge_total = excluded.recharge_total,
                last_login_at = excluded.last_login_at,
                contact = excluded.contact,
                online = excluded.online,
                version = excluded.version,
                synced_at = excluded.synced_at
            WHERE p.version < excluded.version AND p.game_server_id = excluded.game_server_id
            RETURNING p.player_id, (xmax = 0) AS inserted, p.recharge_total
        )
        SELECT i.player_id,
               CASE WHEN w.player_id IS NOT NULL THEN (CASE WHEN w.inserted THEN 'inserted' ELSE 'updated' END)
                    WHEN EXISTS (SELECT 1 FROM players o WHERE o.player_id = i.player_id AND o.game_server_id <> @game_server_id) THEN 'foreign'
                    ELSE 'stale' END,
               coalesce(b.recharge_total, 0), w.recharge_total
        FROM input i LEFT JOIN written w ON w.player_id = i.player_id LEFT JOIN before b ON b.player_id = i.player_id
        """;

    /// <summary>Upserts a validated batch for <paramref name="gameServerId"/>.</summary>
    public async Task<SyncResult> SyncAsync(string gameServerId, IReadOnlyList<PlayerProfile> batch, CancellationToken ct)
    {
        // Rows are written in player-id order (ORDER BY in the statement) so two overlapping batches lock rows in the
        // same order (no deadlock).
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

        int inserted = 0, updated = 0, stale = 0;
        var foreign = new HashSet<string>(StringComparer.Ordinal);
        List<RechargeChange>? recharged = null;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var outcome = reader.GetString(1);
                switch (outcome)
                {
                    case "inserted": inserted++; break;
                    case "updated": updated++; break;
                    case "foreign": foreign.Add(reader.GetString(0)); break;
                    default: stale++; break;
                }
                if (outcome is "inserted" or "updated" && reader.GetInt64(2) != reader.GetInt64(3))
                {
                    (recharged ??= []).Add(new RechargeChange(reader.GetString(0), reader.GetInt64(2), reader.GetInt64(3)));
                }
            }
        }
        if (recharged is not null)
        {
            await TellWatchersAsync(recharged, ct);
        }
        var refused = new List<SyncRefusal>();
        for (var i = 0; i < n; i++)
        {
            if (foreign.Contains(batch[i].PlayerId))
            {
                refused.Add(new SyncRefusal(i, batch[i].PlayerId, OwnedElsewhere));
            }
        }
        return new SyncResult(inserted, updated, stale, refused);
    }

    private async Task TellWatchersAsync(List<RechargeChange> changes, CancellationToken ct)
    {
        foreach (var watcher in watchers)
        {
            try
            {
                await watcher.RechargeChangedAsync(changes, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "A recharge watcher ({Watcher}) failed for {Count} players; it catches up by itself", watcher.GetType().Name, changes.Count);
            }
        }
    }
}
