using System.Globalization;
using GmTools.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Npgsql;

// In the tests' root namespace, so every test folder sees these without a using.
namespace GmTools.Server.Tests;

/// <summary>The kit's direct reads and writes of a fixture's database (what a test asserts or seeds beside the RPCs).</summary>
public static class TestSql
{
    /// <summary>One number (count, id) from the fixture's database.</summary>
    public static async Task<long> ScalarAsync(this ServerFixture fx, string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(await fx.RawScalarAsync(sql, parameters), CultureInfo.InvariantCulture);

    /// <summary>One value as text from the fixture's database; null for no row or SQL NULL.</summary>
    public static async Task<string?> ScalarTextAsync(this ServerFixture fx, string sql, params (string Name, object Value)[] parameters) =>
        await fx.RawScalarAsync(sql, parameters) is { } value and not DBNull ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    /// <summary>A player row as a game server's sync would leave it (level 10, online), without the RPC.</summary>
    public static async Task AddPlayerAsync(this ServerFixture fx, string playerId, string gameServerId)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            VALUES (@p, @p, @gs, @p, 10, 0, 0, '', true, 1, now())
            """, conn);
        cmd.Parameters.AddWithValue("p", playerId);
        cmd.Parameters.AddWithValue("gs", gameServerId);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The fields an INVALID_ARGUMENT named (its BadRequest detail), in order.</summary>
    public static IReadOnlyList<string> ViolatedFields(this RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];

    private static async Task<object?> RawScalarAsync(this ServerFixture fx, string sql, (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return await cmd.ExecuteScalarAsync();
    }
}
