using GmTools.Server.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Quartz;

namespace GmTools.Server.GameLink;

/// <summary>
/// Outbox rows a capability still reads as its history, by correlation pattern (SQL LIKE): the purge moves them to
/// the settled history (<see cref="SettledCommand"/>, without their bodies) instead of dropping them. A capability
/// whose ledger keeps its own record instead (campaign counters and recipient outcomes) declares none.
/// </summary>
public sealed record KeptOutboxHistory(string CorrelationPattern, string Reader);

/// <summary>
/// Removes settled commands older than <see cref="OutboxOptions.PurgeAfter"/>, a bounded chunk per transaction.
/// Never a pending command (sent and unanswered ones are pending too, withdrawn ones waiting for their answer as
/// well). A row a capability declared as its history (<see cref="KeptOutboxHistory"/>) is moved, in the same
/// statement, to <c>gamelink_settled</c>, which keeps the answer and drops the body; readers use
/// <see cref="CommandHistory"/>. Rows already locked (an ack, a withdrawal, another replica's purge) are skipped, so
/// two purges never wait for or fail on each other. Capabilities that keep a settled row's outcome their own way do
/// it with a delete trigger (Persistence/Sql/campaign_recipient_outcomes.sql).
/// </summary>
public sealed class OutboxPurge(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options, IEnumerable<KeptOutboxHistory> kept, TimeProvider time)
{
    private readonly string[] _kept = [.. kept.Select(k => k.CorrelationPattern).Distinct(StringComparer.Ordinal)];

    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var cutoff = time.GetUtcNow() - settings.PurgeAfter;
        return await BatchedDeletes.RunAsync(settings.PurgeBatch, async token =>
        {
            await using var cmd = dataSource.CreateCommand("""
                WITH doomed AS (
                  SELECT command_id FROM gamelink_outbox
                  WHERE outcome IS NOT NULL AND acked_at <= @cutoff
                  ORDER BY acked_at LIMIT @batch
                  FOR UPDATE SKIP LOCKED),
                gone AS (
                  DELETE FROM gamelink_outbox o USING doomed d WHERE o.command_id = d.command_id AND o.outcome IS NOT NULL
                  RETURNING o.command_id, o.game_server_id, o.kind, o.correlation_id, o.outcome, o.failure_reason, o.acked_at, o.withdrawn_at),
                kept AS (
                  INSERT INTO gamelink_settled (command_id, game_server_id, kind, correlation_id, outcome, failure_reason, acked_at, withdrawn_at)
                  SELECT command_id, game_server_id, kind, correlation_id, outcome, failure_reason, acked_at, withdrawn_at
                  FROM gone WHERE correlation_id LIKE ANY (@kept)
                  ON CONFLICT (command_id) DO NOTHING
                  RETURNING 1)
                SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM kept)
                """);
            cmd.Parameters.AddWithValue("cutoff", cutoff);
            cmd.Parameters.AddWithValue("batch", settings.PurgeBatch);
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("kept", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = _kept });
            await using var reader = await cmd.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            return reader.GetInt64(0);
        }, ct);
    }
}

/// <summary>The clustered recurring job around <see cref="OutboxPurge"/>: one run at a time across the replicas.</summary>
[DisallowConcurrentExecution]
public sealed class OutboxPurgeJob(OutboxPurge purge, ILogger<OutboxPurgeJob> logger) : IJob
{
    public const string Name = "outbox-purge";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var deleted = await purge.PurgeAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Purged {Count} settled outbox commands", deleted);
        }
    }
}

public static class OutboxHistoryRegistration
{
    /// <summary>Declares outbox rows (by correlation LIKE pattern) that a capability reads as history: the purge keeps them.</summary>
    public static IServiceCollection KeepOutboxHistory(this IServiceCollection services, string correlationPattern, string reader) =>
        services.AddSingleton(new KeptOutboxHistory(correlationPattern, reader));
}
