using System.Data.Common;
using System.Text.Json;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GmTools.Server.Audit;

/// <summary>What happened, in the trade's words; who and when are filled in by the writer.</summary>
public sealed record AuditEntry(
    string Action,
    string TargetType,
    string TargetId,
    object? Change = null,
    string? PlayerId = null,
    string? GameServerId = null,
    string Reason = "",
    string TicketRef = "");

/// <summary>
/// Appends audit records. A mutation appends inside its own transaction (so the record and the change commit or
/// vanish together); refusals and personal-data reads append in a transaction of their own. An append is one
/// INSERT: no lock, no chain head. The record is signed here (its MAC) and linked into the hash chain shortly after
/// its commit by <see cref="AuditChainer"/>, which this wakes once the transaction has committed.
/// </summary>
public sealed class AuditWriter(GmToolsDbContext db, RequestContext request, TimeProvider time, AuditKey key, AuditChainer chainer, TransactionCommitHooks commits)
{
    public const string Succeeded = "succeeded";
    public const string Denied = "denied";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Appends within the caller's open transaction on <paramref name="context"/>.</summary>
    public Task<AuditRecord> AppendAsync(DbContext context, AuditEntry entry, CancellationToken ct)
    {
        var tx = context.Database.CurrentTransaction
            ?? throw new InvalidOperationException("audit records of a change must be written in the change's transaction");
        return AppendCoreAsync(context.Database.GetDbConnection(), tx.GetDbTransaction(), entry, Succeeded, ct);
    }

    /// <summary>Appends within the scoped context's open transaction.</summary>
    public Task<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken ct) => AppendAsync(db, entry, ct);

    /// <summary>A refusal, within the scoped context's open transaction (see Security/AccessDenials).</summary>
    public Task<AuditRecord> AppendDeniedAsync(AuditEntry entry, CancellationToken ct)
    {
        var tx = db.Database.CurrentTransaction ?? throw new InvalidOperationException("a refusal is recorded in its own transaction");
        return AppendCoreAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), entry, Denied, ct);
    }

    /// <summary>For facts that change nothing else: a refused call, a read of personal data.</summary>
    public async Task<AuditRecord> AppendStandaloneAsync(AuditEntry entry, string outcome, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var record = await AppendCoreAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), entry, outcome, ct);
            await tx.CommitAsync(ct);
            return record;
        });
    }

    /// <summary>
    /// Adds the record to the scoped context's unit of work: the caller's next SaveChanges writes it in the same batch
    /// as the change itself, one round trip fewer on a hot path (a mute). Its id is known after that SaveChanges.
    /// </summary>
    public AuditRecord Stage(AuditEntry entry)
    {
        var tx = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("audit records of a change must be written in the change's transaction");
        var record = NewRecord(entry, Succeeded);
        db.Add(record);
        commits.AfterCommit(tx.GetDbTransaction(), chainer.Wake);
        return record;
    }

    private AuditRecord NewRecord(AuditEntry entry, string outcome)
    {
        var caller = request.Caller;
        var record = new AuditRecord
        {
            RecordKey = Guid.NewGuid(),
            OccurredAt = AuditChain.ToStoredPrecision(time.GetUtcNow()),
            Actor = caller.Id,
            ActorRole = caller.PrimaryRole,
            Action = entry.Action,
            TargetType = entry.TargetType,
            TargetId = entry.TargetId,
            PlayerId = entry.PlayerId,
            GameServerId = entry.GameServerId,
            Reason = entry.Reason,
            TicketRef = entry.TicketRef,
            RequestId = request.RequestId,
            Outcome = outcome,
            Change = entry.Change is null ? "{}" : entry.Change as string ?? JsonSerializer.Serialize(entry.Change, Json),
        };
        record.Mac = AuditChain.RecordMac(key, record);
        return record;
    }

    private async Task<AuditRecord> AppendCoreAsync(DbConnection connection, DbTransaction tx, AuditEntry entry, string outcome, CancellationToken ct)
    {
        var record = NewRecord(entry, outcome);
        const string insert = """
            INSERT INTO audit_records (record_key, occurred_at, actor, actor_role, action, target_type, target_id, player_id,
                game_server_id, reason, ticket_ref, request_id, outcome, change, mac)
            VALUES (@key, @at, @actor, @role, @action, @ttype, @tid, @player, @gs, @reason, @ticket, @rid, @outcome, @change::json, @mac)
            RETURNING id
            """;
        await using var cmd = new NpgsqlCommand(insert, (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
        cmd.Parameters.AddWithValue("key", record.RecordKey);
        cmd.Parameters.AddWithValue("at", record.OccurredAt);
        cmd.Parameters.AddWithValue("actor", record.Actor);
        cmd.Parameters.AddWithValue("role", record.ActorRole);
        cmd.Parameters.AddWithValue("action", record.Action);
        cmd.Parameters.AddWithValue("ttype", record.TargetType);
        cmd.Parameters.AddWithValue("tid", record.TargetId);
        cmd.Parameters.AddWithValue("player", (object?)record.PlayerId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("gs", (object?)record.GameServerId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("reason", record.Reason);
        cmd.Parameters.AddWithValue("ticket", record.TicketRef);
        cmd.Parameters.AddWithValue("rid", record.RequestId);
        cmd.Parameters.AddWithValue("outcome", record.Outcome);
        cmd.Parameters.AddWithValue("change", record.Change);
        cmd.Parameters.AddWithValue("mac", record.Mac!);
        record.Id = (long)(await cmd.ExecuteScalarAsync(ct))!;
        commits.AfterCommit(tx, chainer.Wake);
        return record;
    }
}
