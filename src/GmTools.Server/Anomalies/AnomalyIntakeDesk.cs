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
/// One intake call, start to end, in one transaction: the kinds and the player ownership checked for the whole batch
/// in one read, the new reports inserted in one statement (a replayed report id is skipped by the unique key and
/// answered as a duplicate), and ONE audit record for the batch. Why one and not one per report: the report rows
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
        var owned = await OwnedPlayersAsync(batch.GameServerId, batch.Reports.Select(r => r.PlayerId).Distinct(StringComparer.Ordinal).ToArray(), ct);

        var toStore = new List<(IncomingReport Report, AnomalyKindVersion Kind, string Severity)>(batch.Reports.Count);
        var idsInBatch = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in batch.Reports)
        {
            if (!known.TryGetValue(r.Kind, out var kind) || !kind.Active)
            {
                results.Add(ReportResult.Rejected(r.Index, r.ReportId, $"{r.At}.kind", kind is null ? $"unknown anomaly kind '{r.Kind}'" : $"anomaly kind '{r.Kind}' is inactive"));
            }
            else if (!owned.Contains(r.PlayerId))
            {
                results.Add(ReportResult.Rejected(r.Index, r.ReportId, $"{r.At}.player_id", $"player '{r.PlayerId}' not found on game server '{batch.GameServerId}'"));
            }
            else if (!idsInBatch.Add(r.ReportId))
            {
                results.Add(new ReportResult(r.Index, r.ReportId, ReportOutcome.Duplicate));
            }
            else
            {
                toStore.Add((r, kind, r.Severity ?? kind.DefaultSeverity));
            }
        }
        if (toStore.Count == 0)
        {
            return Done(results);
        }

        await using var tx = await db.BeginWorkAsync(ct);
        var stored = await InsertAsync(batch.GameServerId, toStore, ct);
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
        var reached = await counters.CountAsync(db, storedReports, known, ct);
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

    private async Task<HashSet<string>> OwnedPlayersAsync(string gameServerId, string[] playerIds, CancellationToken ct)
    {
        var owned = await db.Set<Players.Player>().AsNoTracking()
            .Where(p => p.GameServerId == gameServerId && playerIds.Contains(p.PlayerId))
            .Select(p => p.PlayerId).ToListAsync(ct);
        return new HashSet<string>(owned, StringComparer.Ordinal);
    }

    /// <summary>One multi-row insert; returns report id → anomaly id of the rows this call stored (replays are skipped).</summary>
    private async Task<Dictionary<string, long>> InsertAsync(string gameServerId, List<(IncomingReport Report, AnomalyKindVersion Kind, string Severity)> rows, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO anomaly_reports (game_server_id, report_id, player_id, kind, kind_version, severity, occurred_at, received_at,
                                         evidence, related_player_ids, summary, request_id)
            SELECT @gs, u.report_id, u.player_id, u.kind, u.kind_version, u.severity, u.occurred_at, @now,
                   u.evidence::jsonb, coalesce((SELECT array_agg(x) FROM jsonb_array_elements_text(u.related::jsonb) x), '{}'), u.summary, @rid
            FROM unnest(@report_id, @player_id, @kind, @kind_version, @severity, @occurred_at, @evidence, @related, @summary)
                 AS u(report_id, player_id, kind, kind_version, severity, occurred_at, evidence, related, summary)
            ON CONFLICT (game_server_id, report_id) DO NOTHING
            RETURNING report_id, anomaly_id
            """, conn, (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction());
        void Text(string name, IEnumerable<string> values) =>
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
        Text("related", rows.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Report.RelatedPlayerIds)));
        Text("summary", rows.Select(r => r.Report.Summary));
        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored[reader.GetString(0)] = reader.GetInt64(1);
        }
        return stored;
    }
}
