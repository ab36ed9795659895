using System.Security.Cryptography;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Infrastructure.Idempotency;

/// <summary>
/// Runs a mutation at most once per (caller, operation, key): the first call's response is stored in the same
/// transaction as its change, and a retry with the same content gets those bytes back; the same key with other
/// content is ALREADY_EXISTS. See docs/idempotency.md.
/// <para>How two concurrent calls with one key (on one replica or two) come out right: each opens a transaction
/// and inserts the key row first. PostgreSQL makes the second insert wait on the first's uncommitted row; when the
/// first commits, the second finds the stored response and replays it; when it rolls back (the call failed), the
/// second proceeds as the first. Nothing is held in memory, so replicas need no coordination.</para>
/// </summary>
public sealed class IdempotentCalls(GmToolsDbContext db, RequestContext request, IOptions<IdempotencyOptions> options, TimeProvider time)
{
    public const string KeyField = "idempotency_key";

    /// <summary>
    /// Runs <paramref name="work"/> (the desk call and the contract mapping) inside a transaction that the desk
    /// joins (<see cref="WorkTransaction"/>). An empty key runs the work plainly: the key is the client's choice.
    /// </summary>
    /// <param name="operation">Usually the gRPC method (<c>context.Method</c>).</param>
    /// <param name="content">The request as received; its <c>idempotency_key</c> field is left out of the fingerprint.</param>
    public async Task<TResponse> RunAsync<TResponse>(string operation, string key, IMessage content, Func<CancellationToken, Task<TResponse>> work, CancellationToken ct)
        where TResponse : IMessage<TResponse>, new()
    {
        if (string.IsNullOrEmpty(key))
        {
            return await work(ct);
        }
        var caller = CallerKey(request.Caller);
        var hash = Fingerprint(content);
        var parser = new MessageParser<TResponse>(() => new TResponse());
        // A replay of a committed call needs no transaction at all.
        if (await FindAsync(caller, operation, key, ct) is { } done)
        {
            return Replay(done, hash, key, parser);
        }
        await using var tx = await db.BeginWorkAsync(ct);
        if (!tx.Owned)
        {
            throw new InvalidOperationException("an idempotent call must own its transaction: the stored response commits with the change");
        }
        var now = time.GetUtcNow();
        if (!await ClaimAsync(tx, caller, operation, key, hash, now, ct))
        {
            // Someone committed this key while we waited on its row.
            var committed = await FindAsync(caller, operation, key, ct)
                ?? throw new InvalidOperationException("the idempotency key row vanished after a conflict");
            return Replay(committed, hash, key, parser);
        }
        var response = await work(ct);
        await StoreAsync(tx, caller, operation, key, response.ToByteArray(), ct);
        await tx.CommitAsync(ct);
        return response;
    }

    /// <summary>SHA-256 of the message without its key, in protobuf's canonical (field-number) order.</summary>
    public static byte[] Fingerprint(IMessage content)
    {
        var copy = content.Descriptor.Parser.ParseFrom(content.ToByteString());
        content.Descriptor.FindFieldByName(KeyField)?.Accessor.Clear(copy);
        return SHA256.HashData(copy.ToByteArray());
    }

    public static string CallerKey(Caller caller) => caller.Kind switch
    {
        CallerKind.GameServer => "game_server:" + caller.Id,
        CallerKind.System => "system:" + caller.Id,
        _ => "staff:" + caller.Id,
    };

    private static TResponse Replay<TResponse>(IdempotencyRecord record, byte[] hash, string key, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse>
    {
        if (!CryptographicOperations.FixedTimeEquals(record.RequestHash, hash))
        {
            throw GrpcErrors.AlreadyExists($"idempotency key '{key}' was already used for a different request; use a new key");
        }
        return parser.ParseFrom(record.Response!);
    }

    private Task<IdempotencyRecord?> FindAsync(string caller, string operation, string key, CancellationToken ct) =>
        db.Set<IdempotencyRecord>().AsNoTracking()
            .Where(r => r.Caller == caller && r.Operation == operation && r.Key == key && r.Response != null)
            .FirstOrDefaultAsync(ct);

    private async Task<bool> ClaimAsync(WorkTransaction tx, string caller, string operation, string key, byte[] hash, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO idempotency_keys (caller, operation, key, request_hash, response, created_at, expires_at)
            VALUES (@caller, @operation, @key, @hash, NULL, @now, @expires)
            ON CONFLICT DO NOTHING
            """, (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.DbTransaction);
        cmd.Parameters.AddWithValue("caller", caller);
        cmd.Parameters.AddWithValue("operation", operation);
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.AddWithValue("hash", hash);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("expires", now + options.Value.Retention);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private async Task StoreAsync(WorkTransaction tx, string caller, string operation, string key, byte[] response, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE idempotency_keys SET response = @response WHERE caller = @caller AND operation = @operation AND key = @key",
            (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.DbTransaction);
        cmd.Parameters.AddWithValue("caller", caller);
        cmd.Parameters.AddWithValue("operation", operation);
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.AddWithValue("response", response);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
