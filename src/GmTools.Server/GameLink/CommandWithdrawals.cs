using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.GameLink;

/// <summary>A command to take back, and what to send instead if the game server turns out to have applied it.</summary>
public sealed record WithdrawalOrder(long CommandId, string GameServerId, GameCommand? Compensation = null, string? CompensationCorrelation = null);

public enum WithdrawalOutcome
{
    /// <summary>Never handed to the game server: cancelled now, it will never be sent.</summary>
    Cancelled,
    /// <summary>Handed to the game server and not answered yet: its ack decides (applied → compensation queued, not applied → cancelled).</summary>
    AwaitingAnswer,
    /// <summary>Already applied: the compensation was queued in the caller's transaction.</summary>
    CompensationQueued,
    /// <summary>Already failed, expired or cancelled: nothing to take back (a late "applied" ack still queues the compensation).</summary>
    AlreadySettled,
    /// <summary>Withdrawn before: nothing changes.</summary>
    AlreadyWithdrawn,
}

public sealed record Withdrawal(long CommandId, WithdrawalOutcome Outcome);

/// <summary>
/// Takes commands back, in the caller's transaction. A command that was sent is never silently cancelled: whether
/// it was sent is read from the game server's sent mark (<see cref="SentMark"/>), locked here and written durably
/// by the delivery path before a withdrawable command goes out, so the two cannot cross. What the game server
/// answers afterwards is always recorded (<see cref="OutboxStore.SettleAsync"/>): an "applied" for a withdrawn
/// command queues its compensation in the same transaction that records the ack.
/// </summary>
public sealed class CommandWithdrawals(TimeProvider time, GameLinkHub? hub = null)
{
    public const string Cancel = "cancel";
    public const string Await = "await";
    public const string Compensate = "compensate";
    public const string Settled = "settled";
    public const string Again = "again";

    public async Task<IReadOnlyList<Withdrawal>> WithdrawAsync(DbContext db, IReadOnlyList<WithdrawalOrder> orders, CancellationToken ct)
    {
        if (orders.Count == 0)
        {
            return [];
        }
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("withdrawals run inside the caller's transaction");
        var connection = transaction.Connection!;
        var servers = orders.Select(o => o.GameServerId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // The marks first, in a fixed order: the delivery path updates a mark before it sends, so holding it
        // settles "was it sent?" until this transaction ends.
        await using (var marks = new NpgsqlCommand("""
            INSERT INTO gamelink_sent_marks AS m (game_server_id, sent_through)
            SELECT gs, 0 FROM unnest(@servers) AS u(gs) ORDER BY gs
            ON CONFLICT (game_server_id) DO UPDATE SET sent_through = m.sent_through
            """, connection, transaction))
        {
            marks.Parameters.Add(new NpgsqlParameter<string[]>("servers", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = servers });
            await marks.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand($"""
            WITH req AS (
              SELECT * FROM unnest(@ids, @kinds, @bodies, @correlations) AS r(id, kind, body, correlation)),
            target AS (
              SELECT o.command_id, o.outcome, o.withdrawn_at, o.game_server_id
              FROM gamelink_outbox o JOIN req ON req.id = o.command_id
              ORDER BY o.command_id FOR UPDATE OF o),
            decided AS (
              SELECT t.command_id, t.game_server_id, r.kind, r.body, r.correlation,
                     CASE WHEN t.withdrawn_at IS NOT NULL THEN '{Again}'
                          WHEN t.outcome = '{OutboxOutcomes.Applied}' THEN '{Compensate}'
                          WHEN t.outcome IS NOT NULL THEN '{Settled}'
                          WHEN m.sent_through IS NOT NULL AND t.command_id > m.sent_through THEN '{Cancel}'
                          ELSE '{Await}' END AS decision
              FROM target t JOIN req r ON r.id = t.command_id
              LEFT JOIN gamelink_sent_marks m ON m.game_server_id = t.game_server_id),
            upd AS (
              UPDATE gamelink_outbox o SET
                withdrawn_at = @now,
                outcome = CASE WHEN d.decision = '{Cancel}' THEN '{OutboxOutcomes.Cancelled}' ELSE o.outcome END,
                acked_at = CASE WHEN d.decision = '{Cancel}' THEN @now ELSE o.acked_at END,
                compensation_kind = CASE WHEN d.decision = '{Compensate}' THEN NULL ELSE d.kind END,
                compensation_body = CASE WHEN d.decision = '{Compensate}' THEN NULL ELSE d.body END,
                compensation_correlation = CASE WHEN d.decision = '{Compensate}' THEN NULL ELSE d.correlation END
              FROM decided d WHERE o.command_id = d.command_id AND d.decision <> '{Again}'
              RETURNING 1),
            comp AS (
              INSERT INTO gamelink_outbox (game_server_id, kind, body, correlation_id, created_at, attempts)
              SELECT game_server_id, kind, body, correlation, @now, 0 FROM decided
              WHERE decision = '{Compensate}' AND body IS NOT NULL ORDER BY command_id
              RETURNING game_server_id)
            SELECT command_id, decision, (SELECT count(*) FROM upd), (SELECT coalesce(array_agg(DISTINCT game_server_id), ARRAY[]::text[]) FROM comp)
            FROM decided
            """, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = orders.Select(o => o.CommandId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]>("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            TypedValue = orders.Select(o => o.Compensation is null ? null : CommandOutbox.KindOf(o.Compensation)).ToArray(),
        });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]?[]>("bodies", NpgsqlDbType.Array | NpgsqlDbType.Bytea)
        {
            TypedValue = orders.Select(o => o.Compensation is null ? null : CommandOutbox.BodyOf(o.Compensation).ToByteArray()).ToArray(),
        });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]>("correlations", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = orders.Select(o => o.CompensationCorrelation).ToArray() });
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.CommandTimeout = 600;
        var result = new List<Withdrawal>(orders.Count);
        var compensated = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                result.Add(new Withdrawal(reader.GetInt64(0), reader.GetString(1) switch
                {
                    Cancel => WithdrawalOutcome.Cancelled,
                    Compensate => WithdrawalOutcome.CompensationQueued,
                    Settled => WithdrawalOutcome.AlreadySettled,
                    Again => WithdrawalOutcome.AlreadyWithdrawn,
                    _ => WithdrawalOutcome.AwaitingAnswer,
                }));
                compensated.UnionWith(reader.GetFieldValue<string[]>(3));
            }
        }
        if (compensated.Count > 0 && hub is not null)
        {
            await db.AfterCommitAsync(() =>
            {
                hub.CommandsCommitted(compensated);
                return Task.CompletedTask;
            });
        }
        return result;
    }
}
