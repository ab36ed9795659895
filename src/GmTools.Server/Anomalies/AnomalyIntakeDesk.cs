using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using GmTools.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Anomalies;

/// <summary>
/// One intake call, start to end, in one transaction: the kinds checked against this replica's copy, then ONE
/// statement that checks the player ownership for the whole batch and inserts the new reports (a replayed report id
/// is skipped by the unique key and answered as a duplicate), and ONE audit record for the batch. Why one and not one per report: the report rows
/// are themselves the append-only record (game server, player, time, request id), and a second row per report would
/// double the intake's writes on the system's busiest inbound path; the batch record names every stored anomaly id
/// and carries the same request id as the rows.
/// </summary>
/// <para>After the commit, the live counters (Redis) say which players crossed a threshold and the policies decide
/// those from PostgreSQL (<see cref="AnomalyPolicyDesk"/>); with Redis gone, every player and kind of the batch is
/// decided from PostgreSQL (slower, nothing lost). Replays are decided again too, so a batch whose policies failed
/// after its commit is finished by the game server's retry.</para>
public sealed class AnomalyIntakeDesk(
    GmToolsDbContext db, AuditWriter audit, RequestContext request, AnomalyKindBook kinds, AnomalyCounters counters, AnomalyPolicyDesk policies,
    ServerMetrics metrics, TimeProvider time)
{
    public async Task<IntakeResult> ReportAsync(IntakeBatch batch, CancellationToken ct)
    {
        request.Caller.EnsureIsGameServer(batch.GameServerId);
        var results = new List<ReportResult>(batch.Reports.Count + batch.Rejected.Count);
        results.AddRange(batch.Rejected);
        if (batch.Reports.Count == 0)
        {
            return Done(results);
        }
        var known = await kinds.CurrentAsync(db, ct);
        var candidates = new List<(IncomingReport Report, AnomalyKindVersion Kind, string Severity)>(batch.Reports.Count);
        foreach (var r in batch.Reports)
        {
            if (!known.TryGetValue(r.Kind, out var kind) || !kind.Active)
            {
                results.Add(ReportResult.Rejected(r.Index, r.ReportId, $"{r.At}.kind", kind is null ? $"unknown anomaly kind '{r.Kind}'" : $"anomaly kind '{r.Kind}' is inactive"));
            }
            else
            {
                candidates.Add((r, kind, r.Severity ?? kind.DefaultSeverity));
            }
        }
        if (candidates.Count == 0)
        {
            return Done(results);
        }

        await using var tx = await db.BeginWorkAsync(ct);
        // One statement: the ownership check, the insert of the first owned report of each id, the replays skipped.
        var (owned, stored) = await InsertAsync(batch.GameServerId, candidates, ct);
        var toStore = new List<(IncomingReport Report, AnomalyKindVersion Kind, string Severity)>(candidates.Count);
        var idsInBatch = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            var r = c.Report;
            if (!owned.Contains(r.PlayerId))
            {
                results.Add(ReportResult.Rejected(r.Index, r.ReportId, $"{r.At}.player_id", $"player '{r.PlayerId}' not found on game server '{batch.GameServerId}'"));
            }
            else if (!idsInBatch.Add(r.ReportId))
            {
                results.Add(new ReportResult(r.Index, r.ReportId, ReportOutcome.Duplicate));
            }
            else
            {
                toStore.Add(c);
            }
        }
        var duplicates = toStore.Where(s => !stored.ContainsKey(s.Report.ReportId)).Select(s => s.Report.ReportId).ToArray();
        var earlier = duplicates.Length == 0 ? new Dictionary<string, long>() : await db.Set<AnomalyReport>().AsNoTracking()
            .Where(a => a.GameServerId == batch.GameServerId && duplicates.Contains(a.ReportId))
            .ToDictionaryAsync(a => a.ReportId, a => a.AnomalyId, StringComparer.Ordinal, ct);
        foreach (var (r, _, _) in toStore)
        {
            results.Add(stored.TryGetValue(r.ReportId, out var id)
                ? new ReportResult(r.Index, r.ReportId, ReportOutcome.Accepted, AnomalyId: id)
                : new ReportResult(r.Index, r.ReportId, ReportOutcome.Duplicate, AnomalyId: earlier.GetValueOrDefault(r.ReportId)));
        }
        if (stored.Count > 0)
        {
            await audit.AppendAsync(new AuditEntry("anomaly.report", "anomaly_batch", request.RequestId,
                new
                {
                    accepted = stored.Count,
                    duplicates = results.Count(x => x.Outcome == ReportOutcome.Duplicate),
                    rejected = results.Count(x => x.Outcome == ReportOutcome.Rejected),
                    kinds = toStore.Where(s => stored.ContainsKey(s.Report.ReportId)).GroupBy(s => s.Kind.Name).ToDictionary(g => g.Key, g => g.Count()),
                    anomalyIds = stored.Values.Order().ToArray(),
                },
                GameServerId: batch.GameServerId), ct);
        }
        await tx.CommitAsync(ct);

        var storedReports = toStore.Where(s => stored.ContainsKey(s.Report.ReportId)).Select(s => new AnomalyReport
        {
            AnomalyId = stored[s.Report.ReportId], GameServerId = batch.GameServerId, PlayerId = s.Report.PlayerId, Kind = s.Kind.Name,
            Severity = s.Severity, OccurredAt = s.Report.OccurredAt,
        }).ToList();
        var reached = await counters.CountAsync(db, batch.GameServerId, storedReports, known, ct);
        var decide = (reached ?? storedReports.Select(r => (r.PlayerId, r.Kind)).Distinct().ToList())
            .Concat(toStore.Where(s => !stored.ContainsKey(s.Report.ReportId)).Select(s => (s.Report.PlayerId, s.Kind.Name)))
            .Distinct().Where(p => known[p.Item2].ThresholdRules.Count > 0).ToList();
        int opened = 0, banned = 0;
        foreach (var (player, kind) in decide)
        {
            switch (await policies.ApplyAsync(player, known[kind], ct))
            {
                case PolicyOutcome.CaseOpened:
                    opened++;
                    break;
                case PolicyOutcome.Banned:
                    banned++;
                    break;
            }
        }
        return Done(results) with { CasesOpened = opened, SanctionsIssued = banned, Degraded = reached is null };
    }

    private IntakeResult Done(List<ReportResult> results)
    {
        metrics.AnomalyReports("accepted", results.Count(r => r.Outcome == ReportOutcome.Accepted));
        metrics.AnomalyReports("duplicate", results.Count(r => r.Outcome == ReportOutcome.Duplicate));
        metrics.AnomalyReports("rejected", results.Count(r => r.Outcome == ReportOutcome.Rejected));
        return new([.. results.OrderBy(r => r.Index)]);
    }

    /// <summary>
    /// One statement (one round trip): which of the players are this server's, and a multi-row insert of the first
    /// report of each id whose player is (a replayed id is skipped by the unique key). Returns the owned players and
    /// report id → anomaly id of the rows this call stored.
    /// </summary>
    private async Task<(HashSet<string> Owned, Dictionary<string, long> Stored)> InsertAsync(string gameServerId,
        List<(IncomingReport Report, AnomalyKindVersion Kind, string Severity)> rows, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var cmd = new NpgsqlCommand("""
            WITH u AS (
                SELECT * FROM unnest(@report_id, @player_id, @kind, @kind_version, @severity, @occurred_at, @evidence, @related, @summary)
                     WITH ORDINALITY AS u(report_id, player_id, kind, kind_version, severity, occurred_at, evidence, related, summary, ord)
            ), owned AS (
                SELECT p.player_id FROM players p WHERE p.game_server_id = @gs AND p.player_id = ANY(@player_id)
            ), first AS (
                SELECT DISTINCT ON (u.report_id) u.* FROM u JOIN owned o ON o.player_id = u.player_id ORDER BY u.report_id, u.ord
            ), stored AS (
                INSERT INTO anomaly_reports (game_server_id, report_id, player_id, kind, kind_version, severity, occurred_at, received_at,
                                             evidence, related_player_ids, summary, request_id)
                SELECT @gs, f.report_id, f.player_id, f.kind, f.kind_version, f.severity, f.occurred_at, @now, f.evidence::jsonb,
                       CASE WHEN f.related IS NULL THEN '{}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(f.related::jsonb)) END,
                       f.summary, @rid
                FROM first f ORDER BY f.ord
                ON CONFLICT (game_server_id, report_id) DO NOTHING
                RETURNING report_id, anomaly_id
            )
            SELECT player_id, NULL::bigint FROM owned
            UNION ALL
            SELECT report_id, anomaly_id FROM stored
            """, conn, (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction());
        void Text(string name, IEnumerable<string?> values) =>
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });
        cmd.Parameters.AddWithValue("gs", gameServerId);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("rid", request.RequestId);
        Text("report_id", rows.Select(r => r.Report.ReportId));
        Text("player_id", rows.Select(r => r.Report.PlayerId));
        Text("kind", rows.Select(r => r.Kind.Name));
        cmd.Parameters.Add(new NpgsqlParameter("kind_version", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Select(r => r.Kind.Version).ToArray() });
        Text("severity", rows.Select(r => r.Severity));
        cmd.Parameters.Add(new NpgsqlParameter("occurred_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(r => r.Report.OccurredAt.UtcDateTime).ToArray() });
        Text("evidence", rows.Select(r => r.Report.EvidenceJson));
        // Most reports name no related player: no JSON for the statement to take apart then.
        Text("related", rows.Select(r => r.Report.RelatedPlayerIds.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(r.Report.RelatedPlayerIds)));
        Text("summary", rows.Select(r => r.Report.Summary));
        var owned = new HashSet<string>(StringComparer.Ordinal);
        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsDBNull(1))
            {
                owned.Add(reader.GetString(0));
            }
            else
            {
                stored[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        return (owned, stored);
    }
}
