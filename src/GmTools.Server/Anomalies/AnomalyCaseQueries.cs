using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Anomalies;

public sealed record CaseListQuery(IReadOnlyList<string> States, string? GameServerId, string? Kind, int Skip, int Take);

/// <summary>A player named by the case's reports (or naming the case's player) and their own visible reports.</summary>
public sealed record LinkedPlayerReports(string PlayerId, IReadOnlyList<AnomalyReport> Reports);

public sealed record CaseDetails(
    AnomalyCase Case, IReadOnlyList<AnomalyReport> Reports, IReadOnlyList<AnomalyCaseNoteEntity> Notes,
    IReadOnlyList<LinkedPlayerReports> Linked, LadderProposal? Proposal);

public sealed record KindDay(string Kind, DateOnly Day, long Reports, long Opened, long Confirmed, long Dismissed, long Automatic)
{
    public double ConfirmRate => Confirmed + Dismissed == 0 ? 0 : (double)Confirmed / (Confirmed + Dismissed);
}

/// <summary>Reads of the case queue, one case, the statistics; everything limited to the caller's game servers.</summary>
public sealed class AnomalyCaseQueries(GmToolsDbContext db, RequestContext request, OffenseLadder ladder, IOptionsMonitor<AnomalyOptions> options)
{
    public const int LinkedReports = 20;

    private Caller Caller => request.Caller;

    /// <summary>Most severe first, then oldest.</summary>
    public Task<List<AnomalyCase>> ListAsync(CaseListQuery q, CancellationToken ct)
    {
        var states = q.States.ToArray();
        var rows = db.Set<AnomalyCase>().AsNoTracking().Where(c => states.Contains(c.State)).WhereVisible(Caller, c => c.GameServerId);
        if (q.GameServerId is { } gs)
        {
            rows = rows.Where(c => c.GameServerId == gs);
        }
        if (q.Kind is { } kind)
        {
            rows = rows.Where(c => c.Kind == kind);
        }
        return rows.OrderByDescending(c => c.SeverityRank).ThenBy(c => c.OpenedAt).ThenBy(c => c.CaseId).Skip(q.Skip).Take(q.Take).ToListAsync(ct);
    }

    public async Task<CaseDetails> GetAsync(long caseId, CancellationToken ct)
    {
        var c = Caller.VisibleAnomalyCase(await db.Set<AnomalyCase>().AsNoTracking().FirstOrDefaultAsync(x => x.CaseId == caseId, ct), caseId);
        var reports = await db.Set<AnomalyReport>().AsNoTracking().Where(r => r.CaseId == caseId)
            .OrderByDescending(r => r.AnomalyId).Take(AnomalyLimits.CaseReports).ToListAsync(ct);
        var notes = await db.Set<AnomalyCaseNoteEntity>().AsNoTracking().Where(n => n.CaseId == caseId).OrderBy(n => n.NoteId).ToListAsync(ct);
        var linked = await LinkedAsync(c.PlayerId, reports, ct);
        var proposal = await ladder.ProposeAsync(c.PlayerId, SanctionKinds.Ban, options.CurrentValue.BanReasonCode, ct);
        return new CaseDetails(c, reports, notes, linked, proposal);
    }

    /// <summary>Rings: players the reports name, and players whose own reports name this one (both directions).</summary>
    private async Task<IReadOnlyList<LinkedPlayerReports>> LinkedAsync(string playerId, IReadOnlyList<AnomalyReport> reports, CancellationToken ct)
    {
        var named = reports.SelectMany(r => r.RelatedPlayerIds).ToHashSet(StringComparer.Ordinal);
        var naming = await db.Set<AnomalyReport>().AsNoTracking()
            .Where(r => r.RelatedPlayerIds.Contains(playerId))
            .WhereVisible(Caller, r => r.GameServerId)
            .Select(r => r.PlayerId).Distinct().Take(AnomalyLimits.RelatedPlayers * 5).ToListAsync(ct);
        named.UnionWith(naming);
        named.Remove(playerId);
        var result = new List<LinkedPlayerReports>();
        foreach (var other in named.Order(StringComparer.Ordinal).Take(AnomalyLimits.RelatedPlayers * 5))
        {
            var theirs = await db.Set<AnomalyReport>().AsNoTracking().Where(r => r.PlayerId == other)
                .WhereVisible(Caller, r => r.GameServerId)
                .OrderByDescending(r => r.AnomalyId).Take(LinkedReports).ToListAsync(ct);
            result.Add(new LinkedPlayerReports(other, theirs));
        }
        return result;
    }

    /// <summary>Per kind and UTC day in [from, to): reports received, cases opened, decided, automatic actions.</summary>
    public async Task<List<KindDay>> StatisticsAsync(DateOnly from, DateOnly to, string? kind, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
        await using var cmd = new NpgsqlCommand($"""
            WITH r AS (
              SELECT kind, (received_at AT TIME ZONE 'UTC')::date AS d, count(*) AS reports
              FROM anomaly_reports
              WHERE received_at >= @from AND received_at < @to AND (@kind = '' OR kind = @kind)
                AND (@scope::text[] IS NULL OR game_server_id = ANY(@scope))
              GROUP BY 1, 2),
            o AS (
              SELECT kind, (opened_at AT TIME ZONE 'UTC')::date AS d,
                     count(*) FILTER (WHERE state <> '{AnomalyCaseStates.AutoBanned}') AS opened,
                     count(*) FILTER (WHERE state = '{AnomalyCaseStates.AutoBanned}') AS automatic
              FROM anomaly_cases
              WHERE opened_at >= @from AND opened_at < @to AND (@kind = '' OR kind = @kind)
                AND (@scope::text[] IS NULL OR game_server_id = ANY(@scope))
              GROUP BY 1, 2),
            x AS (
              SELECT kind, (decided_at AT TIME ZONE 'UTC')::date AS d,
                     count(*) FILTER (WHERE state = '{AnomalyCaseStates.Confirmed}') AS confirmed,
                     count(*) FILTER (WHERE state = '{AnomalyCaseStates.Dismissed}') AS dismissed
              FROM anomaly_cases
              WHERE decided_at >= @from AND decided_at < @to AND (@kind = '' OR kind = @kind)
                AND state IN ('{AnomalyCaseStates.Confirmed}', '{AnomalyCaseStates.Dismissed}')
                AND (@scope::text[] IS NULL OR game_server_id = ANY(@scope))
              GROUP BY 1, 2)
            SELECT kind, d, coalesce(reports, 0), coalesce(opened, 0), coalesce(confirmed, 0), coalesce(dismissed, 0), coalesce(automatic, 0)
            FROM r FULL JOIN o USING (kind, d) FULL JOIN x USING (kind, d)
            ORDER BY kind, d
            """, conn);
        cmd.Parameters.AddWithValue("from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        cmd.Parameters.AddWithValue("to", new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        cmd.Parameters.AddWithValue("kind", kind ?? "");
        cmd.Parameters.Add(new NpgsqlParameter("scope", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)Caller.ScopeParameter() ?? DBNull.Value });
        var rows = new List<KindDay>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new KindDay(reader.GetString(0), DateOnly.FromDateTime(reader.GetDateTime(1)), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
        }
        return rows;
    }
}
