using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Every sanction in force, held in process by every replica, so <c>CheckAccess</c> for any of a realistic
/// population (100,000 online players, each checked now and then) never leaves the process. Active sanctions are
/// few next to players; a player without an entry has none.
/// <para>
/// Kept current two ways, and correct by the second alone:
/// a player's entry is reloaded right after a change commits on this replica and when another replica's pub/sub
/// invalidation arrives (fast path), and a catch-up every <see cref="AccessSetOptions.CatchUpInterval"/> reloads
/// every player whose sanctions changed since the last one (the net under a missed message, a Redis restart, a
/// replica that died before it published). "Changed since" is exact without a clock: each sanctions row carries
/// the id of the transaction that last wrote it (<c>changed_xid</c>, Persistence/Sql/sanction_changes.sql), and a
/// catch-up reads rows written at or after the previous read's snapshot xmin — every transaction that read could
/// not see has an id at least that high.
/// </para>
/// <para>
/// Reloads race (a message and a catch-up for the same player): each takes a ticket before it reads, and a result
/// is kept only if no reload with a later ticket has been kept. A later ticket's statement snapshot was taken after
/// every change that prompted an earlier reload committed, so the kept one never misses a change.
/// </para>
/// Until the first full load has finished (start-up, or PostgreSQL away at start), or when more players are
/// sanctioned than <see cref="AccessSetOptions.MaxPlayers"/>, <see cref="Ready"/> is false and the gate answers
/// through <see cref="SanctionAccessCache"/>'s Redis/PostgreSQL path.
/// </summary>
public sealed class ActiveSanctionSet(NpgsqlDataSource postgres, IOptionsMonitor<SanctionOptions> options, TimeProvider time, ILogger<ActiveSanctionSet> logger)
{
    private sealed record Entry(ActiveSanction[] Sanctions, long Ticket);

    private readonly ConcurrentDictionary<string, Entry> _players = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, byte> _inFlight = new();
    private long _tickets;
    private ulong _horizon;
    private volatile bool _ready;

    public bool Ready => _ready && options.CurrentValue.AccessSet.Enabled;

    /// <summary>Players held: with sanctions in force, or recently cleared or ended (until the next prune).</summary>
    public int Count => _players.Count;

    /// <summary>Catch-ups that have run (for tests and metrics).</summary>
    public long CatchUps { get; private set; }

    /// <summary>The player's sanctions in force as this replica knows them (empty: none). Only when <see cref="Ready"/>.</summary>
    public ActiveSanction[] For(string playerId) => _players.TryGetValue(playerId, out var e) ? e.Sanctions : [];

    // "In force" for rows aliased s: the full load and every reload use the same words.
    private const string InForce = "s.lifted_at IS NULL AND s.kind <> 'kick' AND (s.ends_at IS NULL OR s.ends_at > @now)";

    /// <summary>Loads every sanction in force; the set is ready afterwards (unless there are too many).</summary>
    public async Task LoadAllAsync(CancellationToken ct)
    {
        var ticket = BeginReload();
        try
        {
            await LoadAllAsync(ticket, ct);
        }
        finally
        {
            EndReload(ticket);
        }
    }

    private async Task LoadAllAsync(long ticket, CancellationToken ct)
    {
        await using var conn = await postgres.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        ulong horizon;
        await using (var snap = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", conn, tx))
        {
            horizon = ulong.Parse((string)(await snap.ExecuteScalarAsync(ct))!, System.Globalization.CultureInfo.InvariantCulture);
        }
        var loaded = new Dictionary<string, List<ActiveSanction>>(StringComparer.Ordinal);
        var max = options.CurrentValue.AccessSet.MaxPlayers;
        await using (var cmd = new NpgsqlCommand($"SELECT s.player_id, s.kind, s.scope_game_server_id, s.ends_at FROM sanctions s WHERE {InForce}", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = time.GetUtcNow() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var player = reader.GetString(0);
                if (!loaded.TryGetValue(player, out var list))
                {
                    if (loaded.Count >= max)
                    {
                        logger.LogWarning("More than {Max} players have sanctions in force: CheckAccess stays on the Redis/PostgreSQL path (raise GmTools:Sanctions:AccessSet:MaxPlayers)", max);
                        return;
                    }
                    loaded[player] = list = new List<ActiveSanction>(1);
                }
                list.Add(Read(reader));
            }
        }
        await tx.CommitAsync(ct);
        foreach (var (player, list) in loaded)
        {
            Keep(player, [.. list], ticket);
        }
        Interlocked.Exchange(ref _horizon, horizon);
        _ready = true;
        logger.LogInformation("Sanctions in force held in process: {Players} players", loaded.Count);
    }

    /// <summary>Reloads the players whose sanctions changed since the previous catch-up (or the full load).</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct)
    {
        if (!_ready)
        {
            await LoadAllAsync(ct);
            return 0;
        }
        var since = Interlocked.Read(ref _horizon);
        var (horizon, players) = await ReloadAsync("changed_xid >= @since::xid8", since, null, ct);
        Interlocked.Exchange(ref _horizon, Math.Max(horizon, since));
        CatchUps++;
        return players;
    }

    /// <summary>Reloads these players now (after a change committed here, or another replica's message).</summary>
    public async Task ReloadPlayersAsync(IReadOnlyCollection<string> playerIds, CancellationToken ct)
    {
        if (Ready && playerIds.Count > 0)
        {
            await ReloadAsync("player_id = ANY(@players)", 0, [.. playerIds], ct);
        }
    }

    /// <summary>Drops entries whose every sanction has ended, and tombstones, that no reload in flight could still race.</summary>
    public int PruneEnded()
    {
        var now = time.GetUtcNow();
        var oldest = OldestInFlight();
        var pruned = 0;
        foreach (var (player, entry) in _players)
        {
            if (entry.Ticket < oldest && entry.Sanctions.All(s => s.EndsAt is { } end && end <= now)
                && _players.TryRemove(new KeyValuePair<string, Entry>(player, entry)))
            {
                pruned++;
            }
        }
        return pruned;
    }

    /// <summary>
    /// One statement: the chosen players' sanctions in force (a player with none comes back as one row without a
    /// kind, so its entry is cleared) and the statement's snapshot xmin.
    /// </summary>
    private async Task<(ulong Horizon, int Players)> ReloadAsync(string which, ulong since, string[]? players, CancellationToken ct)
    {
        var ticket = BeginReload();
        try
        {
            return await ReloadAsync(which, since, players, ticket, ct);
        }
        finally
        {
            EndReload(ticket);
        }
    }

    private async Task<(ulong Horizon, int Players)> ReloadAsync(string which, ulong since, string[]? players, long ticket, CancellationToken ct)
    {
        await using var cmd = postgres.CreateCommand($"""
            WITH chosen AS (SELECT DISTINCT player_id FROM sanctions WHERE {which})
            SELECT c.player_id, s.kind, s.scope_game_server_id, s.ends_at, pg_snapshot_xmin(pg_current_snapshot())::text
            FROM chosen c LEFT JOIN sanctions s ON s.player_id = c.player_id AND {InForce}
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, pg_snapshot_xmin(pg_current_snapshot())::text
            """);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = time.GetUtcNow() });
        cmd.Parameters.Add(new NpgsqlParameter<string>("since", since.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("players", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = players ?? [] });
        var loaded = new Dictionary<string, List<ActiveSanction>>(StringComparer.Ordinal);
        ulong horizon = 0;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                horizon = ulong.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture);
                if (reader.IsDBNull(0))
                {
                    continue;
                }
                var player = reader.GetString(0);
                if (!loaded.TryGetValue(player, out var list))
                {
                    loaded[player] = list = [];
                }
                if (!reader.IsDBNull(1))
                {
                    list.Add(Read(reader));
                }
            }
        }
        foreach (var player in players ?? [])
        {
            loaded.TryAdd(player, []); // never sanctioned at all: nothing to hold
        }
        foreach (var (player, list) in loaded)
        {
            Keep(player, [.. list], ticket);
        }
        return (horizon, loaded.Count);
    }

    // An empty result is kept as an empty entry (a tombstone) with its ticket, so an earlier reload still in flight
    // cannot bring back what a later one cleared; PruneEnded drops tombstones once no earlier reload is in flight.
    private void Keep(string playerId, ActiveSanction[] sanctions, long ticket)
    {
        var entry = new Entry(sanctions, ticket);
        while (true)
        {
            if (_players.TryGetValue(playerId, out var current))
            {
                if (current.Ticket > ticket || _players.TryUpdate(playerId, entry, current))
                {
                    return;
                }
            }
            else if (_players.TryAdd(playerId, entry))
            {
                return;
            }
        }
    }

    private long OldestInFlight()
    {
        var oldest = long.MaxValue;
        foreach (var t in _inFlight.Keys)
        {
            oldest = Math.Min(oldest, t);
        }
        return oldest;
    }

    private long BeginReload()
    {
        var ticket = Interlocked.Increment(ref _tickets);
        _inFlight[ticket] = 0;
        return ticket;
    }

    private void EndReload(long ticket) => _inFlight.TryRemove(ticket, out _);

    private static ActiveSanction Read(NpgsqlDataReader reader) => new(
        reader.GetString(1) == SanctionKinds.Ban,
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
}

/// <summary>
/// Loads the set at start and runs its catch-up and prune. Paced in real time on purpose: "a lift is seen on every
/// replica within a second" is a promise about the wall clock, not about business time.
/// </summary>
internal sealed class ActiveSanctionSetKeeper(ActiveSanctionSet set, IOptionsMonitor<SanctionOptions> options, ILogger<ActiveSanctionSetKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTime.UtcNow;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var o = options.CurrentValue.AccessSet;
            if (o.Enabled)
            {
                try
                {
                    await set.CatchUpAsync(stoppingToken);
                    if (DateTime.UtcNow - lastPrune > o.PruneInterval)
                    {
                        set.PruneEnded();
                        lastPrune = DateTime.UtcNow;
                    }
                    failing = false;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    // PostgreSQL away: nothing can change sanctions meanwhile; keep answering from what is held.
                    if (!failing)
                    {
                        logger.LogWarning(ex, "Catching up the sanctions in force failed; retrying every {Interval}", o.CatchUpInterval);
                    }
                    failing = true;
                }
            }
            try
            {
                await Task.Delay(o.CatchUpInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
