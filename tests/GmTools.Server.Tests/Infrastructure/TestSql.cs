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

    /// <summary>
    /// A player row as a game server's sync would leave it (by default level 10, online, nothing recharged, no login
    /// time), written behind the sync's back: the kit's one player seeder.
    /// </summary>
    public static Task AddPlayerAsync(this ServerFixture fx, string playerId, string gameServerId,
        long recharge = 0, DateTimeOffset? lastLogin = null, int level = 10, bool online = true) =>
        fx.ExecuteAsync("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version, synced_at)
            VALUES (@p, @p, @gs, @p, @level, 0, @r, @login, '', @online, 1, now())
            """, ("p", playerId), ("gs", gameServerId), ("level", level), ("r", recharge), ("login", (object?)lastLogin ?? DBNull.Value), ("online", online));

    /// <summary>One statement against the fixture's database (a seed, a change behind the server's back).</summary>
    public static async Task ExecuteAsync(this ServerFixture fx, string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = Command(conn, sql, parameters);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The fields an INVALID_ARGUMENT named (its BadRequest detail), in order.</summary>
    public static IReadOnlyList<string> ViolatedFields(this RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];

    private static async Task<object?> RawScalarAsync(this ServerFixture fx, string sql, (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = Command(conn, sql, parameters);
        return await cmd.ExecuteScalarAsync();
    }

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, (string Name, object Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return cmd;
    }
}
