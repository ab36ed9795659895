using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Cases;

/// <summary>
/// Reads over many cases: bug tallies, the bug export for the development team, and the case report by agent, kind
/// or week. Each stays within the caller's scope and bounded (a window of opening times, a row cap).
/// </summary>
public sealed class CaseReports(GmToolsDbContext db, IOptionsMonitor<CaseOptions> options)
{
    public async Task<IReadOnlyList<BugTallyRow>> TallyBugsAsync(Caller caller, BugWindow w, CancellationToken ct)
    {
        var rows = await Bugs(caller, w)
            .GroupBy(c => new { c.GameArea, c.ClientVersion })
            .Select(g => new BugTallyRow(g.Key.GameArea, g.Key.ClientVersion, g.Count(), g.Count(c => c.DuplicateOf == null),
                g.Count(c => c.State == CaseStates.New || c.State == CaseStates.InProgress || c.State == CaseStates.WaitingForPlayer)))
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(r => r.Reports).ThenBy(r => r.GameArea, StringComparer.Ordinal).ThenBy(r => r.ClientVersion, StringComparer.Ordinal)];
    }

    /// <summary>RFC 4180 through CsvHelper; cells a spreadsheet would run as formulas are escaped (players write these texts).</summary>
    public async Task<BugExport> ExportBugsAsync(Caller caller, BugWindow w, CancellationToken ct)
    {
        var max = options.CurrentValue.ExportMaxRows;
        var rows = await Bugs(caller, w).OrderBy(c => c.CaseId).Take(max + 1)
            .Select(c => new BugExportRow
            {
                CaseId = c.CaseId,
                OpenedAt = c.OpenedAt,
                GameServerId = c.GameServerId,
                State = c.State,
                Priority = c.Priority,
                GameArea = c.GameArea,
                ClientVersion = c.ClientVersion,
                EventTime = c.EventAt,
                Summary = c.Summary,
                Description = c.Description,
                DuplicateOf = c.DuplicateOf,
            })
            .ToListAsync(ct);
        var shown = rows.Take(max).ToList();
        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape, NewLine = "\r\n" };
        await using (var csv = new CsvWriter(text, config))
        {
            csv.Context.TypeConverterOptionsCache.GetOptions<DateTimeOffset>().Formats = ["yyyy-MM-ddTHH:mm:ssZ"];
            csv.Context.TypeConverterOptionsCache.GetOptions<DateTimeOffset?>().Formats = ["yyyy-MM-ddTHH:mm:ssZ"];
            await csv.WriteRecordsAsync(shown, ct);
        }
        return new BugExport(text.ToString(), shown.Count, rows.Count > max);
    }

    public async Task<IReadOnlyList<CaseReportFigures>> ReportAsync(Caller caller, CaseReportOrder order, CancellationToken ct)
    {
        // The grouping is one of three fixed expressions, never caller text.
        var key = order.GroupBy switch
        {
            CaseReportGroup.Agent => "coalesce(assignee, '')",
            CaseReportGroup.Kind => "kind",
            _ => "to_char(date_trunc('week', opened_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
        };
        var sql = $"""
            SELECT {key} AS key,
                   count(*),
                   coalesce(avg(extract(epoch FROM first_response_at - opened_at)) FILTER (WHERE first_response_at IS NOT NULL), 0)::float8,
                   count(*) FILTER (WHERE first_response_at IS NOT NULL),
                   coalesce(avg(extract(epoch FROM resolved_at - opened_at)) FILTER (WHERE resolved_at IS NOT NULL), 0)::float8,
                   count(*) FILTER (WHERE resolved_at IS NOT NULL),
                   count(*) FILTER (WHERE resolved_at IS NOT NULL AND first_response_breached_at IS NULL AND resolution_breached_at IS NULL
                                    AND resolved_at <= resolution_due AND coalesce(first_response_at, resolved_at) <= first_response_due),
                   count(*) FILTER (WHERE resolved_at IS NOT NULL OR first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL),
                   coalesce(avg(satisfaction_rating), 0)::float8,
                   count(satisfaction_rating),
                   count(*) FILTER (WHERE reopen_count > 0)
            FROM player_cases
            WHERE opened_at >= @from AND opened_at < @to
              AND (@all OR game_server_id = ANY(@servers)) AND (@gs = '' OR game_server_id = @gs)
            GROUP BY 1
            ORDER BY 1
            """;
        var servers = caller.VisibleServers();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            cmd.Parameters.AddWithValue("from", order.From.UtcDateTime);
            cmd.Parameters.AddWithValue("to", order.To.UtcDateTime);
            cmd.Parameters.AddWithValue("all", servers is null);
            cmd.Parameters.AddWithValue("servers", servers?.ToArray() ?? []);
            cmd.Parameters.AddWithValue("gs", order.GameServerId ?? "");
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var figures = new List<CaseReportFigures>();
            while (await reader.ReadAsync(ct))
            {
                figures.Add(new CaseReportFigures(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetDouble(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetDouble(8), reader.GetInt64(9), reader.GetInt64(10)));
            }
            return figures;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private IQueryable<PlayerCase> Bugs(Caller caller, BugWindow w)
    {
        var bug = options.CurrentValue.BugKind;
        var rows = db.Set<PlayerCase>().AsNoTracking().WhereVisible(caller, c => c.GameServerId).Where(c => c.Kind == bug);
        if (w.From is { } from)
        {
            rows = rows.Where(c => c.OpenedAt >= from);
        }
        if (w.To is { } to)
        {
            rows = rows.Where(c => c.OpenedAt < to);
        }
        if (w.GameServerId is { } gs)
        {
            rows = rows.Where(c => c.GameServerId == gs);
        }
        return rows;
    }

    /// <summary>One CSV row; the column order is the property order (and the proto's documented header).</summary>
    private sealed class BugExportRow
    {
        [CsvHelper.Configuration.Attributes.Name("case_id")]
        public long CaseId { get; init; }

        [CsvHelper.Configuration.Attributes.Name("opened_at")]
        public DateTimeOffset OpenedAt { get; init; }

        [CsvHelper.Configuration.Attributes.Name("game_server_id")]
        public string GameServerId { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("state")]
        public string State { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("priority")]
        public string Priority { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("game_area")]
        public string GameArea { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("client_version")]
        public string ClientVersion { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("event_time")]
        public DateTimeOffset? EventTime { get; init; }

        [CsvHelper.Configuration.Attributes.Name("summary")]
        public string Summary { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("description")]
        public string Description { get; init; } = "";

        [CsvHelper.Configuration.Attributes.Name("duplicate_of")]
        public long? DuplicateOf { get; init; }
    }
}
