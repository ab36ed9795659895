using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.VipCare;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

/// <summary>No Quartz: the tests run the planner themselves, on the fake clock (2026-11-23 08:00 UTC = 16:00 at +08:00).</summary>
public class VipFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
    };
}

/// <summary>The default data the migration writes: silver 1,000.00, gold 10,000.00, diamond 50,000.00 (in fen).</summary>
internal static class VipKit
{
    public const long Silver = 100_000;
    public const long Gold = 1_000_000;
    public const long Diamond = 5_000_000;
    public static readonly TimeSpan Local = TimeSpan.FromHours(8);

    public static VipCareService.VipCareServiceClient Vip(this ServerFixture fx, string user, Role role = Role.Agent) => new(fx.StaffChannel(user, role));

    public static StaffingService.StaffingServiceClient Staffing(this ServerFixture fx, string user, Role role = Role.Agent) => new(fx.StaffChannel(user, role));

    public static async Task OnDutyAsync(this ServerFixture fx, params string[] agents)
    {
        foreach (var agent in agents)
        {
            await fx.Staffing(agent).SetMyDutyAsync(new SetMyDutyRequest { OnDuty = true });
        }
    }

    public static async Task OffDutyAsync(this ServerFixture fx, params string[] agents)
    {
        foreach (var agent in agents)
        {
            await fx.Staffing(agent).SetMyDutyAsync(new SetMyDutyRequest { OnDuty = false });
        }
    }

    public static async Task<VisitPlanner.PlanResult> PlanAsync(this ServerFixture fx, GmToolsFactory? replica = null)
    {
        await using var scope = (replica ?? fx.Server).Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<VisitPlanner>().PlanAsync(CancellationToken.None);
    }

    /// <summary>A player on <paramref name="gs"/> with this recharge total (written behind the sync's back, as another path would).</summary>
    public static Task AddPlayerAsync(this ServerFixture fx, string playerId, string gs, long recharge, DateTimeOffset? lastLogin = null) =>
        TestSql.AddPlayerAsync(fx, playerId, gs, recharge, lastLogin, level: 50, online: false);

    public static Task SetRechargeAsync(this ServerFixture fx, string playerId, long recharge) =>
        ExecAsync(fx, "UPDATE players SET recharge_total = @r WHERE player_id = @p", ("p", playerId), ("r", recharge));

    public static Task SetLastLoginAsync(this ServerFixture fx, string playerId, DateTimeOffset at) =>
        ExecAsync(fx, "UPDATE players SET last_login_at = @t WHERE player_id = @p", ("p", playerId), ("t", at));

    public static async Task<List<(long Id, string Reason, string State, string? Assignee, DateTimeOffset Due)>> VisitsAsync(this ServerFixture fx, string playerId)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT task_id, reason, state, assignee, due_at FROM vip_visit_tasks WHERE player_id = @p ORDER BY task_id", conn);
        cmd.Parameters.AddWithValue("p", playerId);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(long, string, string, string?, DateTimeOffset)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return rows;
    }

    /// <summary>
    /// Past calls of a player, on a finished visit of its own: (local hour, reached) each, on the day before the
    /// clock's day. Agent "hist".
    /// </summary>
    public static async Task SeedHistoryAsync(this ServerFixture fx, string playerId, string gs, string tier, params (int LocalHour, bool Reached)[] calls)
    {
        var day = new DateTimeOffset(fx.Clock.GetUtcNow().ToOffset(Local).Date, Local).AddDays(-1).ToUniversalTime();
        var task = await ScalarAsync(fx, """
            INSERT INTO vip_visit_tasks (player_id, game_server_id, tier, reason, source, state, due_at, created_at, created_by, updated_at, attempts, misses, misses_by_assignee, excluded_agents, notes, completed_at)
            VALUES (@p, @gs, @tier, 'follow_up', 'seed:' || @p || ':' || gen_random_uuid(), 'done', @day, @day, 'seed', @day, 0, 0, 0, '{}', '', @day)
            RETURNING task_id
            """, ("p", playerId), ("gs", gs), ("tier", tier), ("day", day));
        foreach (var (hour, reached) in calls)
        {
            var at = day.AddHours(hour); // local midnight + hour: that local hour
            var band = hour is >= 9 and < 21 ? (object)((hour - 9) / 2) : DBNull.Value;
            await ExecAsync(fx, """
                INSERT INTO vip_visit_attempts (task_id, player_id, game_server_id, tier, agent, outcome, called_at, hour_band, notes)
                VALUES (@t, @p, @gs, @tier, 'hist', @o, @at, @band, '')
                """, ("t", task), ("p", playerId), ("gs", gs), ("tier", tier), ("o", reached ? VisitOutcomes.Reached : VisitOutcomes.NotReached), ("at", at), ("band", band));
        }
    }

    public static Timestamp Ts(DateTimeOffset t) => Timestamp.FromDateTimeOffset(t);

    public static Task ExecAsync(ServerFixture fx, string sql, params (string Name, object Value)[] parameters) => fx.ExecuteAsync(sql, parameters);

    public static Task<long> ScalarAsync(ServerFixture fx, string sql, params (string Name, object Value)[] parameters) => fx.ScalarAsync(sql, parameters);

    /// <summary>Every VIP care and roster row, and the count of VIP audit records: a refusal leaves it as it was.</summary>
    public static async Task<string> FingerprintAsync(this ServerFixture fx)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws('|',
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY task_id), '')) FROM vip_visit_tasks t),
                (SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY attempt_id), '')) FROM vip_visit_attempts a),
                (SELECT md5(coalesce(string_agg(v::text, ',' ORDER BY version), '')) FROM vip_tier_versions v),
                (SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY rule_id), '')) FROM vip_visit_rules r),
                (SELECT md5(coalesce(string_agg(d::text, ',' ORDER BY staff_id), '')) FROM staff_duty d),
                (SELECT count(*) FROM audit_records WHERE action LIKE 'vip.%' OR action LIKE 'staffing.%'))
            """, conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
