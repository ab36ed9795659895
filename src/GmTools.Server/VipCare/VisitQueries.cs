using GmTools.Server.Persistence;
using GmTools.Server.Security;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.VipCare;

/// <summary>Reads: the agent's queue, the supervisors' list, reports, reach rates by hour band; all within the caller's scope.</summary>
public sealed class VisitQueries(GmToolsDbContext db, IOptionsMonitor<VipCareOptions> options, IOptionsMonitor<StaffingOptions> staffing)
{
    /// <summary>Open visits of the agent (and, when asked, nobody's), due first.</summary>
    public async Task<IReadOnlyList<VisitTask>> MyQueueAsync(Caller caller, bool includeUnassigned, int size, CancellationToken ct) =>
        await db.Set<VisitTask>().AsNoTracking().WhereVisible(caller, t => t.GameServerId)
            .Where(t => (t.State == VisitStates.Open || t.State == VisitStates.Claimed)
                        && (t.Assignee == caller.Id || (includeUnassigned && t.Assignee == null)))
            .OrderBy(t => t.DueAt).ThenBy(t => t.TaskId).Take(size).ToListAsync(ct);

    /// <summary>Due first; PageSize + 1 rows so the caller can tell there is more.</summary>
    public async Task<IReadOnlyList<VisitTask>> ListAsync(Caller caller, VisitFilter f, DateTimeOffset now, CancellationToken ct)
    {
        var rows = db.Set<VisitTask>().AsNoTracking().WhereVisible(caller, t => t.GameServerId);
        if (f.Assignee is { } assignee)
        {
            rows = rows.Where(t => t.Assignee == assignee);
        }
        if (f.PlayerId is { } player)
        {
            rows = rows.Where(t => t.PlayerId == player);
        }
        if (f.State is { } state)
        {
            rows = rows.Where(t => t.State == state);
        }
        if (f.GameServerId is { } gs)
        {
            rows = rows.Where(t => t.GameServerId == gs);
        }
        if (f.OverdueOnly)
        {
            var late = now - options.CurrentValue.OverdueAfter;
            rows = rows.Where(t => (t.State == VisitStates.Open || t.State == VisitStates.Claimed) && (t.OverdueAt != null || t.DueAt <= late));
        }
        if (f.After is { } after)
        {
            rows = rows.Where(t => t.DueAt > after.DueAt || (t.DueAt == after.DueAt && t.TaskId > after.TaskId));
        }
        return await rows.OrderBy(t => t.DueAt).ThenBy(t => t.TaskId).Take(f.PageSize + 1).ToListAsync(ct);
    }

    public bool IsOverdue(VisitTask t, DateTimeOffset now) =>
        VisitStates.IsOpen(t.State) && (t.OverdueAt is not null || t.DueAt + options.CurrentValue.OverdueAfter <= now);

    /// <summary>One row of the report's SQL; columns are snake_case, as the naming convention maps these properties.</summary>
    internal sealed class ReportSqlRow
    {
        public string Key { get; set; } = "";
        public int Completed { get; set; }
        public int OnTime { get; set; }
        public int Attempts { get; set; }
        public int Reached { get; set; }
        public int Rated { get; set; }
        public long SatisfactionSum { get; set; }
        public int Overdue { get; set; }
    }

    /// <summary>
    /// Completed (reached) visits and how many within due + SLA, calls and reaches, satisfaction, and visits marked
    /// overdue, in [from, to), grouped by agent (who completed / called / had it), tier, or local week (Monday).
    /// </summary>
    public async Task<IReadOnlyList<ReportRow>> ReportAsync(Caller caller, ReportGrouping grouping, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        static string Week(string column) => $"to_char(date_trunc('week', ({column} AT TIME ZONE 'UTC') + @offset), 'YYYY-MM-DD')";
        var (done, calls, late) = grouping switch
        {
            ReportGrouping.Agent => ("t.completed_by", "a.agent", "coalesce(t.assignee, '')"),
            ReportGrouping.Tier => ("t.tier", "a.tier", "t.tier"),
            _ => (Week("t.completed_at"), Week("a.called_at"), Week("t.overdue_at")),
        };
        var sql = $"""
            WITH done AS (
                SELECT {done} AS key, count(*)::int AS completed, count(*) FILTER (WHERE t.completed_at <= t.due_at + @sla)::int AS on_time
                FROM vip_visit_tasks t
                WHERE t.state = '{VisitStates.Done}' AND t.completed_at >= @from AND t.completed_at < @to AND (@scope IS NULL OR t.game_server_id = ANY(@scope))
                GROUP BY 1
            ), calls AS (
                SELECT {calls} AS key, count(*)::int AS attempts, count(*) FILTER (WHERE a.outcome = '{VisitOutcomes.Reached}')::int AS reached,
                       count(a.satisfaction)::int AS rated, coalesce(sum(a.satisfaction), 0)::bigint AS sat
                FROM vip_visit_attempts a
                WHERE a.called_at >= @from AND a.called_at < @to AND (@scope IS NULL OR a.game_server_id = ANY(@scope))
                GROUP BY 1
            ), late AS (
                SELECT {late} AS key, count(*)::int AS overdue
                FROM vip_visit_tasks t
                WHERE t.overdue_at >= @from AND t.overdue_at < @to AND (@scope IS NULL OR t.game_server_id = ANY(@scope))
                GROUP BY 1
            ), keys AS (SELECT key FROM done UNION SELECT key FROM calls UNION SELECT key FROM late)
            SELECT k.key AS key, coalesce(d.completed, 0) AS completed, coalesce(d.on_time, 0) AS on_time,
                   coalesce(c.attempts, 0) AS attempts, coalesce(c.reached, 0) AS reached, coalesce(c.rated, 0) AS rated,
                   coalesce(c.sat, 0) AS satisfaction_sum, coalesce(l.overdue, 0) AS overdue
            FROM keys k LEFT JOIN done d ON d.key = k.key LEFT JOIN calls c ON c.key = k.key LEFT JOIN late l ON l.key = k.key
            ORDER BY k.key
            """;
        var scope = caller.ScopeParameter();
        var rows = await db.Database.SqlQueryRaw<ReportSqlRow>(sql,
            new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from },
            new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to },
            new NpgsqlParameter("sla", NpgsqlDbType.Interval) { Value = options.CurrentValue.OverdueAfter },
            new NpgsqlParameter("offset", NpgsqlDbType.Interval) { Value = staffing.CurrentValue.LocalOffset },
            new NpgsqlParameter("scope", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)scope ?? DBNull.Value }).ToListAsync(ct);
        return [.. rows.Select(r => new ReportRow(r.Key, r.Completed, r.OnTime, r.Attempts, r.Reached, r.Rated, r.SatisfactionSum, r.Overdue))];
    }

    /// <summary>Every band of the call hours, with its calls and reaches in [from, to).</summary>
    public async Task<IReadOnlyList<ReachRate>> ReachRatesAsync(Caller caller, string? tier, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var rows = db.Set<VisitAttemptEntity>().AsNoTracking().WhereVisible(caller, a => a.GameServerId)
            .Where(a => a.HourBand != null && a.CalledAt >= from && a.CalledAt < to);
        if (tier is not null)
        {
            rows = rows.Where(a => a.Tier == tier);
        }
        var stats = await rows.GroupBy(a => a.HourBand!.Value)
            .Select(g => new { Band = g.Key, Attempts = g.Count(), Reached = g.Count(a => a.Outcome == VisitOutcomes.Reached) })
            .ToDictionaryAsync(s => s.Band, ct);
        var bands = HourBands.From(options.CurrentValue, staffing.CurrentValue.LocalOffset);
        return [.. Enumerable.Range(0, bands.Count).Select(b => stats.TryGetValue(b, out var s)
            ? new ReachRate(b, bands.Name(b), s.Attempts, s.Reached)
            : new ReachRate(b, bands.Name(b), 0, 0))];
    }

    public HourBands Bands => HourBands.From(options.CurrentValue, staffing.CurrentValue.LocalOffset);

    public async Task<IReadOnlyList<VisitAttemptEntity>> AttemptsAsync(IReadOnlyCollection<long> taskIds, CancellationToken ct) =>
        await db.Set<VisitAttemptEntity>().AsNoTracking().Where(a => taskIds.Contains(a.TaskId)).OrderBy(a => a.AttemptId).ToListAsync(ct);

    public async Task<IReadOnlyList<VisitRuleEntity>> RulesAsync(CancellationToken ct) =>
        await db.Set<VisitRuleEntity>().AsNoTracking().OrderBy(r => r.Reason).ThenBy(r => r.Tier).ToListAsync(ct);
}
