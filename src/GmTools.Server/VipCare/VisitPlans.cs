using GmTools.Server.Persistence;
using GmTools.Server.Rewards;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>
/// Turns the plan rules into visits, one kind of cause at a time, each an INSERT ... SELECT ... ON CONFLICT DO
/// NOTHING: the partial unique index (player, reason) among open visits and the unique cause (source) decide, so
/// planning twice, or on two replicas at the same moment, creates nothing twice. The rule for a player's own tier
/// wins over the rule for every tier (tier ''). Each returns the ids of the visits it created.
/// </summary>
public sealed class VisitPlans(GmToolsDbContext db, IOptionsMonitor<VipCareOptions> options)
{
    private const string Columns = "player_id, game_server_id, tier, reason, source, state, due_at, created_at, created_by, updated_at, attempts, misses, misses_by_assignee, excluded_agents, notes";

    /// <summary>The rule of a reason for the tier in <paramref name="tierColumn"/>: a LATERAL subquery named r.</summary>
    private static string Rule(string reason, string tierColumn) => $"""
        CROSS JOIN LATERAL (SELECT x.after, x.due_within FROM vip_visit_rules x
                            WHERE x.reason = '{reason}' AND x.active AND x.tier IN ({tierColumn}, '')
                            ORDER BY x.tier = '' LIMIT 1) r
        """;

    private static string Values(string reason, string source, string dueAt) =>
        $"'{reason}', {source}, '{VisitStates.Open}', {dueAt}, @now, 'system', @now, 0, 0, 0, ARRAY[]::text[], ''";

    /// <summary>A welcome visit for each tier reached, due the rule's time after reaching it.</summary>
    public Task<List<long>> WelcomeAsync(IReadOnlyList<VipTierChange> reached, DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT c.player_id, c.game_server_id, c.to_tier, {Values(VisitReasons.Welcome, "'tier:' || c.change_id", "c.changed_at + r.due_within")}
            FROM vip_tier_changes c
            {Rule(VisitReasons.Welcome, "c.to_tier")}
            WHERE c.change_id = ANY(@ids)
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("ids", reached.Select(c => c.ChangeId).ToArray()));

    /// <summary>Every `after` per tier, counted from reaching the tier or from the last periodic visit planned.</summary>
    public Task<List<long>> PeriodicAsync(DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT p.player_id, p.game_server_id, v.tier, {Values(VisitReasons.Periodic, "NULL", "@now + r.due_within")}
            FROM vip_players v JOIN players p ON p.player_id = v.player_id
            {Rule(VisitReasons.Periodic, "v.tier")}
            WHERE v.tier <> '' AND r.after IS NOT NULL
              AND greatest(v.tier_since, coalesce((SELECT max(t.created_at) FROM vip_visit_tasks t
                                                   WHERE t.player_id = v.player_id AND t.reason = '{VisitReasons.Periodic}'), '-infinity')) + r.after <= @now
            ORDER BY v.player_id
            LIMIT @limit
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("limit", options.CurrentValue.PlanningBatch));

    /// <summary>A VIP not seen for `after`: one churn-risk visit per absence (none planned since the last login).</summary>
    public Task<List<long>> ChurnRiskAsync(DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT p.player_id, p.game_server_id, v.tier, {Values(VisitReasons.ChurnRisk, "NULL", "@now + r.due_within")}
            FROM vip_players v JOIN players p ON p.player_id = v.player_id
            {Rule(VisitReasons.ChurnRisk, "v.tier")}
            WHERE v.tier <> '' AND r.after IS NOT NULL AND p.last_login_at IS NOT NULL AND p.last_login_at + r.after <= @now
              AND NOT EXISTS (SELECT 1 FROM vip_visit_tasks t WHERE t.player_id = v.player_id AND t.reason = '{VisitReasons.ChurnRisk}' AND t.created_at >= p.last_login_at)
            ORDER BY v.player_id
            LIMIT @limit
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("limit", options.CurrentValue.PlanningBatch));

    /// <summary>A complaint case opened for a VIP within the lookback: followed up within the rule's time of opening.</summary>
    public Task<List<long>> ComplaintFollowUpsAsync(DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT p.player_id, p.game_server_id, v.tier, {Values(VisitReasons.ComplaintFollowUp, "'case:' || c.case_id", "c.opened_at + r.due_within")}
            FROM player_cases c JOIN vip_players v ON v.player_id = c.player_id JOIN players p ON p.player_id = c.player_id
            {Rule(VisitReasons.ComplaintFollowUp, "v.tier")}
            WHERE c.kind = @complaint AND c.opened_at > @since AND c.opened_at <= @now AND v.tier <> ''
              AND NOT EXISTS (SELECT 1 FROM vip_visit_tasks t WHERE t.source = 'case:' || c.case_id)
            ORDER BY c.case_id
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("since", now - options.CurrentValue.EventLookback), ("complaint", options.CurrentValue.ComplaintKind));

    /// <summary>A grant worth more than the configured value to a VIP (approved within the lookback).</summary>
    public Task<List<long>> CompensationFollowUpsAsync(DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT p.player_id, p.game_server_id, v.tier, {Values(VisitReasons.CompensationFollowUp, "'grant:' || g.grant_id || ':' || gr.player_id", "coalesce(g.decided_at, g.created_at) + r.due_within")}
            FROM grants g JOIN grant_recipients gr ON gr.grant_id = g.grant_id
                 JOIN vip_players v ON v.player_id = gr.player_id JOIN players p ON p.player_id = gr.player_id
            {Rule(VisitReasons.CompensationFollowUp, "v.tier")}
            WHERE g.state = @approved AND g.total_value > @large AND coalesce(g.decided_at, g.created_at) > @since AND v.tier <> ''
              AND NOT EXISTS (SELECT 1 FROM vip_visit_tasks t WHERE t.source = 'grant:' || g.grant_id || ':' || gr.player_id)
            ORDER BY g.grant_id, gr.player_id
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("since", now - options.CurrentValue.EventLookback), ("approved", GrantStates.Approved), ("large", options.CurrentValue.LargeCompensationValue));

    /// <summary>A sanction on a VIP lifted as wrongful within the lookback (Sanctions records it as lifted_as_wrongful).</summary>
    public Task<List<long>> SanctionFollowUpsAsync(DateTimeOffset now, CancellationToken ct) =>
        InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns})
            SELECT p.player_id, p.game_server_id, v.tier, {Values(VisitReasons.SanctionFollowUp, "'sanction:' || s.sanction_id", "s.lifted_at + r.due_within")}
            FROM sanctions s JOIN vip_players v ON v.player_id = s.player_id JOIN players p ON p.player_id = s.player_id
            {Rule(VisitReasons.SanctionFollowUp, "v.tier")}
            WHERE s.lifted_as_wrongful AND s.lifted_at > @since AND v.tier <> ''
              AND NOT EXISTS (SELECT 1 FROM vip_visit_tasks t WHERE t.source = 'sanction:' || s.sanction_id)
            ORDER BY s.sanction_id
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("since", now - options.CurrentValue.EventLookback));

    /// <summary>The follow-up an agent asked for after reaching the player: same agent, due after the configured time.</summary>
    public async Task<long?> AgentFollowUpAsync(VisitTask from, string agent, DateTimeOffset now, CancellationToken ct)
    {
        var ids = await InsertAsync($"""
            INSERT INTO vip_visit_tasks ({Columns}, assignee, assigned_at)
            SELECT @player, @gs, @tier, {Values(VisitReasons.FollowUp, "@source", "@due")}, @agent, @now
            ON CONFLICT DO NOTHING
            RETURNING task_id
            """, now, ct, ("player", from.PlayerId), ("gs", from.GameServerId), ("tier", from.Tier), ("source", "visit:" + from.TaskId),
            ("due", now + options.CurrentValue.FollowUpDue), ("agent", agent));
        return ids.Count > 0 ? ids[0] : null;
    }

    private async Task<List<long>> InsertAsync(string sql, DateTimeOffset now, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        var all = new List<object> { new Npgsql.NpgsqlParameter("now", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = now } };
        foreach (var (name, value) in parameters)
        {
            all.Add(value is DateTimeOffset t
                ? new Npgsql.NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = t }
                : new Npgsql.NpgsqlParameter(name, value));
        }
        // Wrapped so EF can compose nothing onto it: the statement is run as written.
        var statement = "WITH ins AS (" + sql + ") SELECT task_id AS \"Value\" FROM ins";
        return await db.Database.SqlQueryRaw<long>(statement, [.. all]).ToListAsync(ct);
    }
}
