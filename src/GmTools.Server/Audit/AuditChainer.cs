using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Audit;

/// <summary>What one chainer transaction did.</summary>
public readonly record struct ChainPass(bool LockBusy, int Linked, bool HeldBack, bool MoreWaiting, long LastSequence);

/// <summary>
/// Links audit records into the hash chain, off the request path. Every replica runs one; a transaction-level
/// advisory lock makes one of them link at a time, so two replicas writing at once still make one chain. Records
/// are linked in id (write) order and only below the write-order horizon: a record whose transaction started
/// writing before an older transaction that is still open waits until that one has ended, so none is ever skipped
/// by a record linked before it. Woken right after every local commit that appended a record; a sweep on the host
/// clock catches records whose replica died before linking them.
/// </summary>
public sealed class AuditChainer(NpgsqlDataSource dataSource, AuditKey key, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditChainer> logger)
    : BackgroundService
{
    // Any constant shared by all replicas; "audit" in ASCII.
    private const long LockKey = 0x6175646974;

    private const string Columns = "id, record_key, occurred_at, actor, actor_role, action, target_type, target_id, player_id, game_server_id, " +
        "reason, ticket_ref, request_id, outcome, change::text, mac";

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _passes;
    private long _linked;
    private DateTimeOffset _heldBackSince = DateTimeOffset.MaxValue;

    public long Passes => Interlocked.Read(ref _passes);

    public long Linked => Interlocked.Read(ref _linked);

    /// <summary>A record was committed on this replica: link it soon.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Links everything below the horizon now (waiting for another replica's chainer if it is busy).</summary>
    public async Task<ChainPass> CatchUpAsync(CancellationToken ct)
    {
        ChainPass pass;
        do
        {
            pass = await ChainOnceAsync(waitForLock: true, ct);
        }
        while (pass.MoreWaiting && !pass.HeldBack);
        return pass;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ChainerEnabled)
        {
            return;
        }
        var sweep = true; // link what earlier processes left behind, at start
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!sweep || await AnyUnlinkedAsync(stoppingToken))
                {
                    await DrainAsync(stoppingToken);
                }
                sweep = await WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Audit chainer pass failed; trying again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                sweep = true;
            }
        }
    }

    /// <summary>True when woken by the sweep interval, false when woken by a commit.</summary>
    private async Task<bool> WaitAsync(CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(options.Value.SweepInterval, time, timer.Token);
        var woken = _wake.Reader.WaitToReadAsync(ct).AsTask();
        var first = await Task.WhenAny(delay, woken);
        await timer.CancelAsync();
        if (first == woken && await woken)
        {
            _wake.Reader.TryRead(out _);
            return false;
        }
        ct.ThrowIfCancellationRequested();
        return true;
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            var pass = await ChainOnceAsync(waitForLock: false, ct);
            if (pass.LockBusy || pass.HeldBack)
            {
                // Another replica is linking (it may not have seen our records), or an older transaction is still
                // open: look again shortly. A commit on this replica wakes us anyway.
                NoteHeldBack(pass.HeldBack);
                await Task.Delay(pause, ct);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                _wake.Reader.TryRead(out _);
                continue;
            }
            NoteHeldBack(false);
            pause = TimeSpan.FromMilliseconds(1);
            if (!pass.MoreWaiting)
            {
                return;
            }
        }
    }

    private void NoteHeldBack(bool heldBack)
    {
        var now = time.GetUtcNow();
        if (!heldBack)
        {
            _heldBackSince = DateTimeOffset.MaxValue;
            return;
        }
        if (_heldBackSince == DateTimeOffset.MaxValue)
        {
            _heldBackSince = now;
        }
        else if (now - _heldBackSince > options.Value.LagWarning)
        {
            logger.LogWarning("Audit records wait to be linked behind a transaction open for more than {Lag} (see pg_stat_activity)", options.Value.LagWarning);
            _heldBackSince = now;
        }
    }

    private async Task<bool> AnyUnlinkedAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM audit_records WHERE sequence IS NULL)");
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// One transaction: take the chain, link up to a batch of final records, move and sign the head. It commits
    /// without waiting for the WAL flush: links lost in a crash are made again, identically (the same final records
    /// in the same id order from the same head), so the request path's commits need not share their flushes with it.
    /// </summary>
    public async Task<ChainPass> ChainOnceAsync(bool waitForLock, CancellationToken ct)
    {
        var o = options.Value;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        // The horizon in a statement of its own, before the statement that reads records (write_order.sql).
        long horizon;
        if (waitForLock)
        {
            await using var take = new NpgsqlCommand("SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(@k)", conn, tx);
            take.Parameters.AddWithValue("k", LockKey);
            await take.ExecuteNonQueryAsync(ct);
            await using var h = new NpgsqlCommand("SELECT gm_txn_horizon() << 20", conn, tx);
            horizon = (long)(await h.ExecuteScalarAsync(ct))!;
        }
        else
        {
            await using var take = new NpgsqlCommand(
                "SELECT CASE WHEN pg_try_advisory_xact_lock(@k) THEN gm_txn_horizon() << 20 END FROM set_config('synchronous_commit', 'off', true)", conn, tx);
            take.Parameters.AddWithValue("k", LockKey);
            if (await take.ExecuteScalarAsync(ct) is not long h)
            {
                return new ChainPass(LockBusy: true, 0, false, true, 0);
            }
            horizon = h;
        }

        long lastSequence;
        string lastHash;
        string? headMac;
        long lastCheckpoint;
        DateTimeOffset? lastCheckpointAt;
        var records = new List<AuditRecord>();
        var heldBack = false;
        await using (var read = new NpgsqlBatch(conn, tx))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand("SELECT last_sequence, last_hash, mac FROM audit_chain_head WHERE id = 1"));
            read.BatchCommands.Add(new NpgsqlBatchCommand("SELECT coalesce(max(sequence), 0), max(signed_at) FROM audit_checkpoints"));
            var page = new NpgsqlBatchCommand($"SELECT {Columns} FROM audit_records WHERE sequence IS NULL ORDER BY id LIMIT @n");
            page.Parameters.AddWithValue("n", o.BatchSize + 1);
            read.BatchCommands.Add(page);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new InvalidOperationException("audit chain head row is missing; run migrations");
            }
            lastSequence = reader.GetInt64(0);
            lastHash = reader.GetString(1);
            headMac = reader.IsDBNull(2) ? null : reader.GetString(2);
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            lastCheckpoint = reader.GetInt64(0);
            lastCheckpointAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var r = Read(reader);
                if (r.Id >= horizon)
                {
                    // Committed, but an older transaction is still open and may yet commit a lower id.
                    heldBack = true;
                    break;
                }
                records.Add(r);
            }
        }
        var more = records.Count > o.BatchSize || heldBack;
        if (records.Count > o.BatchSize)
        {
            records.RemoveAt(records.Count - 1);
        }

        var headHolds = AuditChain.HeadHolds(key, new AuditChainHead { LastSequence = lastSequence, LastHash = lastHash, Mac = headMac });
        if (headMac is not null && !headHolds && records.Count > 0)
        {
            logger.LogError("The audit chain head (sequence {Sequence}) does not carry a valid signature; linking on from it, VerifyAuditChain will report it", lastSequence);
        }
        if (records.Count == 0 && (headHolds || headMac is not null || lastSequence == 0))
        {
            await tx.CommitAsync(ct);
            return new ChainPass(false, 0, heldBack, more, lastSequence);
        }

        var ids = new long[records.Count];
        var seqs = new long[records.Count];
        var prevs = new string[records.Count];
        var hashes = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (!AuditChain.RecordMacHolds(key, r))
            {
                logger.LogError("Audit record {Id} does not match its MAC (edited or forged before it was linked); linking it as found", r.Id);
            }
            lastSequence++;
            ids[i] = r.Id;
            seqs[i] = lastSequence;
            prevs[i] = lastHash;
            lastHash = AuditChain.ComputeHash(lastHash, lastSequence, r);
            hashes[i] = lastHash;
        }

        await using (var write = new NpgsqlBatch(conn, tx))
        {
            var link = new NpgsqlBatchCommand("""
                UPDATE audit_records r SET sequence = u.seq, prev_hash = u.prev, hash = u.hash, chained_at = clock_timestamp()
                FROM unnest(@ids, @seqs, @prevs, @hashes) AS u(id, seq, prev, hash)
                WHERE r.id = u.id
                """);
            link.Parameters.AddWithValue("ids", ids);
            link.Parameters.AddWithValue("seqs", seqs);
            link.Parameters.AddWithValue("prevs", prevs);
            link.Parameters.AddWithValue("hashes", hashes);
            write.BatchCommands.Add(link);
            var head = new NpgsqlBatchCommand("UPDATE audit_chain_head SET last_sequence = @seq, last_hash = @hash, mac = @mac WHERE id = 1");
            head.Parameters.AddWithValue("seq", lastSequence);
            head.Parameters.AddWithValue("hash", lastHash);
            head.Parameters.AddWithValue("mac", AuditChain.HeadMac(key, lastSequence, lastHash));
            write.BatchCommands.Add(head);
            var now = time.GetUtcNow();
            if (lastSequence > lastCheckpoint
                && (lastSequence - lastCheckpoint >= o.CheckpointEvery || lastCheckpointAt is null || now - lastCheckpointAt >= o.CheckpointInterval))
            {
                var checkpoint = new NpgsqlBatchCommand("INSERT INTO audit_checkpoints (sequence, hash, signed_at, mac) VALUES (@seq, @hash, @at, @mac)");
                checkpoint.Parameters.AddWithValue("seq", lastSequence);
                checkpoint.Parameters.AddWithValue("hash", lastHash);
                checkpoint.Parameters.AddWithValue("at", now);
                checkpoint.Parameters.AddWithValue("mac", AuditChain.CheckpointMac(key, lastSequence, lastHash));
                write.BatchCommands.Add(checkpoint);
            }
            await write.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        Interlocked.Increment(ref _passes);
        Interlocked.Add(ref _linked, records.Count);
        return new ChainPass(false, records.Count, heldBack, more, lastSequence);
    }

    internal static AuditRecord Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        RecordKey = reader.GetGuid(1),
        OccurredAt = reader.GetFieldValue<DateTimeOffset>(2),
        Actor = reader.GetString(3),
        ActorRole = reader.GetString(4),
        Action = reader.GetString(5),
        TargetType = reader.GetString(6),
        TargetId = reader.GetString(7),
        PlayerId = reader.IsDBNull(8) ? null : reader.GetString(8),
        GameServerId = reader.IsDBNull(9) ? null : reader.GetString(9),
        Reason = reader.GetString(10),
        TicketRef = reader.GetString(11),
        RequestId = reader.GetString(12),
        Outcome = reader.GetString(13),
        Change = reader.GetString(14),
        Mac = reader.IsDBNull(15) ? null : reader.GetString(15),
    };
}
