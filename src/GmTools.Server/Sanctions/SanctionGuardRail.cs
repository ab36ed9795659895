using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Mass-sanction accidents are a known disaster in this trade: one staff member may sanction at most N distinct
/// players in a sliding minute. Counted in PostgreSQL from the issuer's own recent sanctions (so it holds across
/// replicas), under a per-issuer advisory lock (so two concurrent calls cannot both slip under the limit).
/// Sanctions a supervisor approved (bulk) do not count.
/// </summary>
public sealed class SanctionGuardRail(GmToolsDbContext db, IOptionsMonitor<SanctionOptions> options)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Must run inside the caller's transaction, before the new sanctions are written. Returns the ids reserved for
    /// them (<see cref="SanctionIds"/>): lock, count and reservation go in one round trip, the hot path of a mute.
    /// </summary>
    public async Task<long[]> EnsureWithinAsync(string issuer, IReadOnlyCollection<string> playerIds, DateTimeOffset now, CancellationToken ct)
    {
        var tx = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("the guard rail needs the caller's open transaction");
        var ids = playerIds.ToArray();
        // One batch, three statements: under READ COMMITTED each statement takes its own snapshot when it starts,
        // so the count (second) sees every sanction committed by whoever held the lock (first) before us.
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction())
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))") { Parameters = { new() { Value = "sanction-guard:" + issuer } } },
                new NpgsqlBatchCommand("""
                    SELECT count(DISTINCT player_id)::int FROM sanctions
                    WHERE issued_by = $1 AND issued_at > $2 AND approved_by IS NULL AND NOT (player_id = ANY($3))
                    """)
                {
                    Parameters = { new() { Value = issuer }, new() { Value = now - Window }, new() { Value = ids } },
                },
                SanctionIds.ReserveCommand(ids.Length),
            },
        };
        // Prepared once per pooled connection: PostgreSQL then skips parsing and planning the three for every mute.
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var recent = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var reserved = await SanctionIds.ReadAsync(reader, ct);
        var limit = options.CurrentValue.GuardRailPlayersPerMinute;
        if (recent + ids.Length > limit)
        {
            throw GrpcErrors.ResourceExhausted(
                $"guard rail: at most {limit} players per minute may be sanctioned without a supervisor ({recent} already in the last minute); use a bulk sanction with approval");
        }
        return reserved;
    }
}

/// <summary>
/// Sanction ids taken from the column's identity sequence before the insert, so the sanction, the commands that
/// carry its id and its audit record go to PostgreSQL in one batch.
/// </summary>
public static class SanctionIds
{
    public static NpgsqlBatchCommand ReserveCommand(int count) =>
        new("SELECT nextval(pg_get_serial_sequence('sanctions', 'sanction_id')) FROM generate_series(1, $1)")
        {
            Parameters = { new() { Value = count } },
        };

    public static async Task<long[]> ReadAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var ids = new List<long>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }
        return [.. ids];
    }

    public static async Task<long[]> ReserveAsync(DbContext db, int count, CancellationToken ct)
    {
        var tx = db.Database.CurrentTransaction;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction?)tx?.GetDbTransaction())
            {
                BatchCommands = { ReserveCommand(count) },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct);
            return await ReadAsync(reader, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
