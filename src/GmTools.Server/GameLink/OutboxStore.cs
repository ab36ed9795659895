using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.GameLink;

/// <summary>A command read from the outbox, ready to send.</summary>
public sealed record OutgoingCommand(long CommandId, GameCommand Command);

/// <summary>How often a stream sent a command, and when last; written with its ack.</summary>
public readonly record struct SendMark(int Sends, DateTimeOffset? LastSentAt);

/// <summary>What a batch of acks did: rows settled, and compensations (claw-backs) queued for withdrawn commands.</summary>
public readonly record struct AckResult(int Settled, int Compensations);

/// <summary>
/// Commands to send, and how many rows the read took (expired ones are taken and settled, not sent).
/// <paramref name="HeldBackFrom"/>: the first committed command the read left for later because an older
/// transaction is still open (the write-order horizon, Persistence/Sql/write_order.sql); null when none was.
/// </summary>
public sealed record TakenBatch(List<OutgoingCommand> Commands, int RowsTaken, long? HeldBackFrom = null);

/// <summary>One stream this replica holds, as the batched sweep sees it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A GameLink stream held by this replica, not a System.IO.Stream.")]
public readonly record struct HeldStream(string GameServerId, Guid SessionId, long Cursor);

/// <summary>What the sweep found for one stream: another session took it over, or commands wait after its cursor.</summary>
public readonly record struct SweepFinding(string GameServerId, bool Superseded, bool CommandsWaiting);

/// <summary>
/// The PostgreSQL connections for delivery bookkeeping: the same database, with <c>synchronous_commit = off</c>
/// as a connection option, so no statement pays an extra round trip to relax it.
/// </summary>
public sealed class DeliveryDatabase(NpgsqlDataSource dataSource) : IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public static DeliveryDatabase Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c synchronous_commit=off" : builder.Options + " -c synchronous_commit=off";
        return new DeliveryDatabase(NpgsqlDataSource.Create(builder.ConnectionString));
    }

    public void Dispose() => DataSource.Dispose();
}

/// <summary>
/// The outbox and link-lease SQL, on raw Npgsql because it is the hot path (thousands of commands a second).
/// Rows are always locked in command-id order (pulls, acks, send records alike), so concurrent settlers never deadlock.
/// <para>Everything here is delivery bookkeeping and commits asynchronously (synchronous_commit off, per
/// transaction): a PostgreSQL crash may forget the last few milliseconds of acks or send marks, and then those
/// commands are simply sent again, which the at-least-once contract (game servers apply each id once) already covers.
/// The commands themselves are written by the enqueuing caller's transaction, durably.</para>
/// <para>Every read that hands commands out stops at the write-order horizon: a command whose transaction started
/// writing after an older transaction that is still open waits until that one has ended, so ids are handed out in
/// increasing order and none is skipped, without any lock on the write side.</para>
/// </summary>
public sealed class OutboxStore(DeliveryDatabase delivery)
{
    private readonly NpgsqlDataSource dataSource = delivery.DataSource;

    // First statement of a horizon-bounded read; the reading statement that follows takes its snapshot after it.
    private const string SetHorizon = "SELECT set_config('gmtools.horizon', gm_command_horizon()::text, true)";
    private const string Horizon = "current_setting('gmtools.horizon')::bigint";
    public const string Applied = OutboxOutcomes.Applied;
    public const string Failed = OutboxOutcomes.Failed;
    public const string Expired = OutboxOutcomes.Expired;

    // Pulls: expired rows in the batch are settled as "expired" instead of being sent; the outer "outcome IS NULL"
    // re-check keeps a row that was acknowledged meanwhile from being touched.
    private const string MarkBatch = """
        UPDATE gamelink_outbox o SET
          outcome = CASE WHEN o.expires_at <= @now THEN 'expired' ELSE o.outcome END,
          acked_at = CASE WHEN o.expires_at <= @now THEN @now ELSE o.acked_at END,
          last_sent_at = CASE WHEN o.expires_at <= @now THEN o.last_sent_at ELSE @now END,
          attempts = CASE WHEN o.expires_at <= @now THEN o.attempts ELSE o.attempts + 1 END
        FROM batch WHERE o.command_id = batch.command_id AND o.outcome IS NULL
        RETURNING o.command_id, o.body, o.created_at, o.expires_at, o.outcome
        """;

    /// <summary>
    /// Claims the game server's stream for a new session (the newest wins) and settles what the game server
    /// says it has already applied.
    /// </summary>
    public async Task ClaimStreamAsync(string gameServerId, Guid sessionId, string replicaId, long lastApplied, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await BeginRelaxedAsync(conn, ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(Command("""
            INSERT INTO gamelink_links (game_server_id, session_id, replica_id, connected_at, last_seen_at, disconnected_at)
            VALUES (@gs, @sid, @replica, @now, @now, NULL)
            ON CONFLICT (game_server_id) DO UPDATE SET session_id = @sid, replica_id = @replica, connected_at = @now,
              last_seen_at = @now, disconnected_at = NULL
            """, ("gs", gameServerId), ("sid", sessionId), ("replica", replicaId), ("now", now)));
        batch.BatchCommands.Add(Command("""
            INSERT INTO gamelink_replicas (replica_id, last_seen_at) VALUES (@replica, @now)
            ON CONFLICT (replica_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
            """, ("replica", replicaId), ("now", now)));
        AddMarkApplied(batch, gameServerId, lastApplied, now);
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>True while <paramref name="sessionId"/> still holds the game server's stream.</summary>
    public async Task<bool> HoldsStreamAsync(string gameServerId, Guid sessionId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM gamelink_links WHERE game_server_id = @gs AND session_id = @sid)");
        Add(cmd.Parameters, ("gs", gameServerId), ("sid", sessionId));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task ReleaseAsync(string gameServerId, Guid sessionId, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE gamelink_links SET disconnected_at = @now WHERE game_server_id = @gs AND session_id = @sid");
        Add(cmd.Parameters, ("gs", gameServerId), ("sid", sessionId), ("now", now));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The replica's one lease renewal for all its streams, and the sweep across them, in one round trip: which
    /// streams another session took over, and which have commands after their cursor (a lost wake-up). Returns
    /// only the streams with something to do. Costs two statements per interval however many streams are held.
    /// </summary>
    public async Task<List<SweepFinding>> RenewAndSweepAsync(string replicaId, IReadOnlyList<HeldStream> streams, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(Command("""
            INSERT INTO gamelink_replicas (replica_id, last_seen_at) VALUES (@replica, @now)
            ON CONFLICT (replica_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
            """, ("replica", replicaId), ("now", now)));
        var findings = new List<SweepFinding>();
        if (streams.Count > 0)
        {
            var sweep = new NpgsqlBatchCommand("""
                SELECT u.gs, l.game_server_id IS NULL,
                       EXISTS (SELECT 1 FROM gamelink_outbox o WHERE o.game_server_id = u.gs AND o.outcome IS NULL AND o.command_id > u.cursor)
                FROM unnest(@gs, @sid, @cursor) AS u(gs, sid, cursor)
                LEFT JOIN gamelink_links l ON l.game_server_id = u.gs AND l.session_id = u.sid
                """);
            sweep.Parameters.Add(new NpgsqlParameter<string[]>("gs", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = streams.Select(s => s.GameServerId).ToArray() });
            sweep.Parameters.Add(new NpgsqlParameter<Guid[]>("sid", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = streams.Select(s => s.SessionId).ToArray() });
            sweep.Parameters.Add(new NpgsqlParameter<long[]>("cursor", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = streams.Select(s => s.Cursor).ToArray() });
            batch.BatchCommands.Add(sweep);
        }
        await using var r = await batch.ExecuteReaderAsync(ct);
        if (streams.Count > 0)
        {
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var superseded = r.GetBoolean(1);
                var waiting = r.GetBoolean(2);
                if (superseded || waiting)
                {
                    findings.Add(new SweepFinding(r.GetString(0), superseded, waiting));
                }
            }
        }
        return findings;
    }

    /// <summary>Forgets replicas not heard from for <paramref name="olderThan"/> (their streams show as disconnected).</summary>
    public async Task ForgetReplicasAsync(DateTimeOffset olderThan, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM gamelink_replicas WHERE last_seen_at < @before");
        cmd.Parameters.AddWithValue("before", olderThan);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>For the operator's log: the oldest open write transaction of this database, which holds the horizon.</summary>
    public async Task<string> DescribeOldestWriterAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT pid, backend_xid::text, coalesce(application_name, ''), coalesce(state, '?'), coalesce(now() - xact_start, interval '0'), left(coalesce(query, ''), 200)
            FROM pg_stat_activity
            WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
            ORDER BY age(backend_xid) DESC LIMIT 1
            """);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? $"pid {r.GetInt32(0)}, xid {r.GetString(1)}, application '{r.GetString(2)}', {r.GetString(3)} for {r.GetFieldValue<TimeSpan>(4)}, last query: {r.GetString(5)}"
            : "none any more";
    }

    /// <summary>The write-order horizon in command-id space: every command with a smaller id is final.</summary>
    public async Task<long> CommandHorizonAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT gm_command_horizon()");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The next pending commands after <paramref name="afterId"/> — only while the session holds the lease, so a
    /// superseded stream (on any replica) stops sending at its next read. A plain read: the stream keeps its send
    /// counts in memory and writes them with the acks (<see cref="SettleAsync"/>), one row write per command instead
    /// of two. Expired rows met on the way are settled as "expired" and not returned.
    /// </summary>
    public async Task<TakenBatch> TakeForStreamAsync(string gameServerId, Guid sessionId, long afterId, int max, DateTimeOffset now, CancellationToken ct)
    {
        var commands = new List<OutgoingCommand>();
        List<long>? expired = null;
        List<long>? undecodable = null;
        long? heldBack = null;
        var taken = 0;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var read = new NpgsqlBatch(conn))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand(SetHorizon));
            read.BatchCommands.Add(Command($"""
                SELECT command_id, body, created_at, expires_at, command_id < {Horizon} FROM gamelink_outbox
                WHERE game_server_id = @gs AND outcome IS NULL AND command_id > @after
                  AND EXISTS (SELECT 1 FROM gamelink_links l WHERE l.game_server_id = @gs AND l.session_id = @sid)
                ORDER BY command_id LIMIT @max
                """, ("gs", gameServerId), ("sid", sessionId), ("after", afterId), ("max", max)));
            await using var r = await read.ExecuteReaderAsync(ct);
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                if (!r.GetBoolean(4))
                {
                    // An older transaction may still commit a smaller id: stop here, come back when it ended.
                    heldBack = r.GetInt64(0);
                    break;
                }
                taken++;
                if (!r.IsDBNull(3) && r.GetFieldValue<DateTimeOffset>(3) <= now)
                {
                    (expired ??= []).Add(r.GetInt64(0));
                    continue;
                }
                if (Read(r) is { } command)
                {
                    commands.Add(command);
                }
                else
                {
                    (undecodable ??= []).Add(r.GetInt64(0));
                }
            }
        }
        if (expired is not null || undecodable is not null)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await BeginRelaxedAsync(conn, ct);
            await using var settle = new NpgsqlBatch(conn, tx);
            if (expired is not null)
            {
                settle.BatchCommands.Add(Command("UPDATE gamelink_outbox SET outcome = 'expired', acked_at = @now WHERE command_id = ANY(@ids) AND outcome IS NULL",
                    ("now", now), ("ids", expired.ToArray())));
            }
            if (undecodable is not null)
            {
                settle.BatchCommands.Add(UndecodableCommand(undecodable, now));
            }
            await settle.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new TakenBatch(commands, taken, heldBack);
    }

    /// <summary>Writes a stream's send counts for commands it sent but that were not acknowledged before it ended.</summary>
    public async Task RecordSendsAsync(string gameServerId, IReadOnlyList<(long CommandId, SendMark Mark)> sends, CancellationToken ct)
    {
        if (sends.Count == 0)
        {
            return;
        }
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await BeginRelaxedAsync(conn, ct);
        await using var cmd = new NpgsqlCommand("""
            WITH s AS (SELECT * FROM unnest(@ids, @n, @at) AS s(id, n, at)),
            locked AS (
              SELECT o.command_id, s.n, s.at FROM gamelink_outbox o JOIN s ON s.id = o.command_id
              WHERE o.game_server_id = @gs ORDER BY o.command_id FOR UPDATE OF o)
            UPDATE gamelink_outbox o SET attempts = o.attempts + l.n, last_sent_at = l.at
            FROM locked l WHERE o.command_id = l.command_id
            """, conn, tx);
        cmd.Parameters.AddWithValue("gs", gameServerId);
        cmd.Parameters.AddWithValue("ids", sends.Select(s => s.CommandId).ToArray());
        cmd.Parameters.AddWithValue("n", sends.Select(s => s.Mark.Sends).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<DateTime?[]>("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = sends.Select(s => s.Mark.LastSentAt?.UtcDateTime).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// For pulling game servers: the oldest pending commands not sent within the ack timeout. SKIP LOCKED lets two
    /// overlapping pulls (or a pull racing a stream) take disjoint rows instead of waiting on each other.
    /// </summary>
    public async Task<TakenBatch> PullAsync(string gameServerId, int max, long lastApplied, TimeSpan ackTimeout, DateTimeOffset now, CancellationToken ct)
    {
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await BeginRelaxedAsync(conn, ct))
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            batch.BatchCommands.Add(Command("""
                INSERT INTO gamelink_links (game_server_id, last_pull_at) VALUES (@gs, @now)
                ON CONFLICT (game_server_id) DO UPDATE SET last_pull_at = @now
                """, ("gs", gameServerId), ("now", now)));
            AddMarkApplied(batch, gameServerId, lastApplied, now);
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        return await TakeAsync(gameServerId, $"""
            WITH batch AS (
              SELECT command_id FROM gamelink_outbox
              WHERE game_server_id = @gs AND outcome IS NULL AND (last_sent_at IS NULL OR last_sent_at <= @resend)
                AND command_id < {Horizon}
              ORDER BY command_id LIMIT @max
              FOR UPDATE SKIP LOCKED)
            {MarkBatch}
            """, now, ct, ("gs", gameServerId), ("max", max), ("now", now), ("resend", now - ackTimeout));
    }

    /// <summary>
    /// Records acknowledgements; only the game server's own rows are touched. Every answer counts whatever the row's
    /// state: an "applied" also settles a row that was cancelled, expired or withdrawn meanwhile (the game server had
    /// it), and for a withdrawn command it queues the compensation in the same transaction, committed durably. A
    /// repeated ack of an applied row changes nothing. Returns how many rows changed and how many compensations
    /// were queued.
    /// </summary>
    public async Task<AckResult> SettleAsync(string gameServerId, IReadOnlyList<CommandAck> acks, DateTimeOffset now, IReadOnlyList<SendMark>? sends, CancellationToken ct)
    {
        if (acks.Count == 0)
        {
            return default;
        }
        var ids = new long[acks.Count];
        var ok = new bool[acks.Count];
        var reasons = new string?[acks.Count];
        var sendCounts = new int[acks.Count];
        var sentAt = new DateTime?[acks.Count];
        for (var i = 0; i < acks.Count; i++)
        {
            sendCounts[i] = sends?[i].Sends ?? 0;
            sentAt[i] = sends?[i].LastSentAt?.UtcDateTime;
            ids[i] = acks[i].CommandId;
            ok[i] = acks[i].Success;
            reasons[i] = acks[i].Success ? null : (string.IsNullOrWhiteSpace(acks[i].FailureReason) ? "unspecified" : acks[i].FailureReason);
        }
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await BeginRelaxedAsync(conn, ct);
        await using var cmd = new NpgsqlCommand($"""
            WITH a AS (
              SELECT id, bool_or(ok) AS ok, max(reason) AS reason, sum(n)::int AS n, max(at) AS at
              FROM unnest(@ids, @ok, @reasons, @n, @at) AS a(id, ok, reason, n, at) GROUP BY id),
            locked AS (
              SELECT o.command_id, o.game_server_id, o.withdrawn_at, o.compensation_kind, o.compensation_body, o.compensation_correlation,
                     a.ok, a.reason, a.n, a.at
              FROM gamelink_outbox o JOIN a ON a.id = o.command_id
              WHERE o.game_server_id = @gs AND (o.outcome IS NULL OR (a.ok AND o.outcome <> '{OutboxOutcomes.Applied}'))
              ORDER BY o.command_id FOR UPDATE OF o),
            settled AS (
              UPDATE gamelink_outbox o SET
                outcome = CASE WHEN l.ok THEN '{OutboxOutcomes.Applied}' WHEN o.withdrawn_at IS NOT NULL THEN '{OutboxOutcomes.Cancelled}' ELSE '{OutboxOutcomes.Failed}' END,
                failure_reason = CASE WHEN l.ok THEN NULL ELSE left(l.reason, 500) END,
                acked_at = @now,
                attempts = o.attempts + l.n,
                last_sent_at = coalesce(l.at, o.last_sent_at)
              FROM locked l
              WHERE o.command_id = l.command_id
              RETURNING 1),
            {Compensations}
            link AS (UPDATE gamelink_links SET last_ack_at = @now WHERE game_server_id = @gs RETURNING 1)
            SELECT (SELECT count(*) FROM settled)::int, (SELECT count(*) FROM comp)::int, (SELECT count(*) FROM durable)::int
            """, conn, tx);
        cmd.Parameters.AddWithValue("gs", gameServerId);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ids });
        cmd.Parameters.Add(new NpgsqlParameter<bool[]>("ok", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = ok });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]>("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = reasons });
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("n", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = sendCounts });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime?[]>("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = sentAt });
        cmd.Parameters.AddWithValue("now", now);
        AckResult result;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            result = new AckResult(r.GetInt32(0), r.GetInt32(1));
        }
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// CTEs "comp" (the compensations of withdrawn commands among "locked" rows the ack settles as applied) and
    /// "durable" (this transaction then commits with synchronous_commit on: a compensation must not be lost in a
    /// crash after it was sent, or the redelivered original would queue a second one).
    /// </summary>
    private const string Compensations = """
        comp AS (
          INSERT INTO gamelink_outbox (game_server_id, kind, body, correlation_id, created_at, attempts)
          SELECT l.game_server_id, l.compensation_kind, l.compensation_body, l.compensation_correlation, @now, 0
          FROM locked l WHERE l.ok AND l.withdrawn_at IS NOT NULL AND l.compensation_body IS NOT NULL
          ORDER BY l.command_id
          RETURNING 1),
        durable AS (SELECT set_config('synchronous_commit', 'on', true) FROM (SELECT 1 FROM comp LIMIT 1) c),
        """;

    /// <summary>
    /// Before withdrawable commands go out: raises the game server's sent mark to the highest of them, durably, and
    /// returns which of <paramref name="ids"/> are still pending. The mark's row lock orders this against a
    /// withdrawal (<see cref="CommandWithdrawals"/>): one that came first has cancelled its commands, and they are
    /// dropped here; one that comes after sees the mark and waits for the game server's answer.
    /// </summary>
    public async Task<HashSet<long>> MarkSentAsync(string gameServerId, long sentThrough, long[] ids, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = on"));
        batch.BatchCommands.Add(Command("""
            INSERT INTO gamelink_sent_marks AS m (game_server_id, sent_through) VALUES (@gs, @through)
            ON CONFLICT (game_server_id) DO UPDATE SET sent_through = greatest(m.sent_through, excluded.sent_through)
            """, ("gs", gameServerId), ("through", sentThrough)));
        batch.BatchCommands.Add(Command("SELECT command_id FROM gamelink_outbox WHERE command_id = ANY(@ids) AND outcome IS NULL", ("ids", ids)));
        var pending = new HashSet<long>();
        await using (var r = await batch.ExecuteReaderAsync(ct))
        {
            // The reader starts at the first statement that returns rows: the SELECT.
            while (await r.ReadAsync(ct))
            {
                pending.Add(r.GetInt64(0));
            }
        }
        await tx.CommitAsync(ct);
        return pending;
    }

    public sealed record LinkRow(
        string GameServerId, Guid? SessionId, string? ReplicaId, DateTimeOffset? ConnectedAt, DateTimeOffset? LastSeenAt,
        DateTimeOffset? DisconnectedAt, DateTimeOffset? LastPullAt, DateTimeOffset? LastAckAt, long Backlog, DateTimeOffset? OldestPending);

    /// <summary>
    /// Every game server with a link record or a backlog, with backlog figures from the outbox itself. A stream is
    /// as alive as its replica: the replica renews one row for all its streams (<see cref="RenewAndSweepAsync"/>).
    /// </summary>
    public async Task<List<LinkRow>> ListLinksAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            WITH backlog AS (
              SELECT game_server_id, count(*) AS n, min(created_at) AS oldest FROM gamelink_outbox
              WHERE outcome IS NULL AND (expires_at IS NULL OR expires_at > @now)
              GROUP BY game_server_id)
            SELECT coalesce(l.game_server_id, b.game_server_id), l.session_id, l.replica_id, l.connected_at,
                   greatest(l.last_seen_at, rep.last_seen_at),
                   l.disconnected_at, l.last_pull_at, l.last_ack_at, coalesce(b.n, 0), b.oldest
            FROM gamelink_links l
            LEFT JOIN gamelink_replicas rep ON rep.replica_id = l.replica_id
            FULL JOIN backlog b ON b.game_server_id = l.game_server_id
            ORDER BY 1
            """);
        cmd.Parameters.AddWithValue("now", now);
        var rows = new List<LinkRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new LinkRow(r.GetString(0), Get<Guid>(r, 1), r.IsDBNull(2) ? null : r.GetString(2), Get<DateTimeOffset>(r, 3), Get<DateTimeOffset>(r, 4),
                Get<DateTimeOffset>(r, 5), Get<DateTimeOffset>(r, 6), Get<DateTimeOffset>(r, 7), r.GetInt64(8), Get<DateTimeOffset>(r, 9)));
        }
        return rows;
    }

    private static T? Get<T>(NpgsqlDataReader r, int i) where T : struct => r.IsDBNull(i) ? null : r.GetFieldValue<T>(i);

    private async Task<TakenBatch> TakeAsync(string gameServerId, string sql, DateTimeOffset now, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await BeginRelaxedAsync(conn, ct);
        // The sent mark first, as a withdrawal takes it (CommandWithdrawals): held until this pull commits, it
        // keeps a withdrawal from deciding "not sent" about a command this pull is handing out.
        await using (var mark = new NpgsqlCommand("""
            INSERT INTO gamelink_sent_marks AS m (game_server_id, sent_through) VALUES (@gs, 0)
            ON CONFLICT (game_server_id) DO UPDATE SET sent_through = m.sent_through
            """, conn, tx))
        {
            mark.Parameters.AddWithValue("gs", gameServerId);
            await mark.ExecuteNonQueryAsync(ct);
        }
        // Pulled commands stop at the write-order horizon like streamed ones: a game server that applied a later id
        // would otherwise report it as its last applied and settle an earlier one that had not committed yet.
        await using (var horizon = new NpgsqlCommand(SetHorizon, conn, tx))
        {
            await horizon.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        Add(cmd.Parameters, parameters);
        var commands = new List<OutgoingCommand>();
        List<long>? undecodable = null;
        var taken = 0;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                taken++;
                if (!r.IsDBNull(4))
                {
                    continue; // expired just now: settled, not sent
                }
                if (Read(r) is { } command)
                {
                    commands.Add(command);
                }
                else
                {
                    (undecodable ??= []).Add(r.GetInt64(0));
                }
            }
        }
        if (undecodable is not null)
        {
            await using var poison = new NpgsqlCommand(FailUndecodable, conn, tx);
            Add(poison.Parameters, ("now", now), ("ids", undecodable.ToArray()));
            await poison.ExecuteNonQueryAsync(ct);
        }
        if (commands.Where(c => CommandOutbox.IsWithdrawable(c.Command)).Select(c => (long?)c.CommandId).Max() is { } sentThrough)
        {
            // Durable before the game server can see them: a crash must not forget that they went out.
            await using var mark = new NpgsqlCommand("""
                SET LOCAL synchronous_commit = on;
                UPDATE gamelink_sent_marks SET sent_through = greatest(sent_through, @through) WHERE game_server_id = @gs
                """, conn, tx);
            Add(mark.Parameters, ("gs", gameServerId), ("through", sentThrough));
            await mark.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        // RETURNING does not promise an order; delivery does.
        commands.Sort((a, b) => a.CommandId.CompareTo(b.CommandId));
        return new TakenBatch(commands, taken);
    }

    // A body that does not parse would otherwise stop the game server's queue for good (it is always the oldest).
    private const string FailUndecodable =
        "UPDATE gamelink_outbox SET outcome = 'failed', failure_reason = 'undecodable command body', acked_at = @now WHERE command_id = ANY(@ids) AND outcome IS NULL";

    private static NpgsqlBatchCommand UndecodableCommand(List<long> ids, DateTimeOffset now) => Command(FailUndecodable, ("now", now), ("ids", ids.ToArray()));

    /// <summary>Columns: command_id, body, created_at, expires_at. Null when the body is not a GameCommand.</summary>
    private static OutgoingCommand? Read(NpgsqlDataReader r)
    {
        GameCommand command;
        try
        {
            command = GameCommand.Parser.ParseFrom(r.GetFieldValue<byte[]>(1));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
        command.CommandId = r.GetInt64(0);
        command.IssuedAt = Timestamp.FromDateTimeOffset(r.GetFieldValue<DateTimeOffset>(2));
        if (!r.IsDBNull(3))
        {
            command.ExpiresAt = Timestamp.FromDateTimeOffset(r.GetFieldValue<DateTimeOffset>(3));
        }
        return new OutgoingCommand(command.CommandId, command);
    }

    /// <summary>Relaxed already: <see cref="DeliveryDatabase"/> connections commit with synchronous_commit off.</summary>
    private static async Task<NpgsqlTransaction> BeginRelaxedAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await conn.BeginTransactionAsync(ct);

    /// <summary>
    /// The hello's (or pull's) "applied through": pending rows up to it are applied. A withdrawn one among them
    /// queues its compensation, as its ack would have (<see cref="SettleAsync"/>).
    /// </summary>
    private static void AddMarkApplied(NpgsqlBatch batch, string gameServerId, long lastApplied, DateTimeOffset now)
    {
        if (lastApplied <= 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command($"""
            WITH locked AS (
              SELECT command_id, game_server_id, withdrawn_at, compensation_kind, compensation_body, compensation_correlation, true AS ok
              FROM gamelink_outbox
              WHERE game_server_id = @gs AND outcome IS NULL AND command_id <= @last
              ORDER BY command_id FOR UPDATE),
            marked AS (
              UPDATE gamelink_outbox o SET outcome = '{OutboxOutcomes.Applied}', acked_at = @now FROM locked l WHERE o.command_id = l.command_id RETURNING 1),
            {Compensations.TrimEnd().TrimEnd(',')}
            SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM durable)
            """, ("gs", gameServerId), ("last", lastApplied), ("now", now)));
    }

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, parameters);
        return command;
    }

    private static void Add(NpgsqlParameterCollection target, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            target.AddWithValue(name, value);
        }
    }
}
