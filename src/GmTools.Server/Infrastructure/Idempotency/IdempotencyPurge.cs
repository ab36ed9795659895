using GmTools.Server.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace GmTools.Server.Infrastructure.Idempotency;

/// <summary>Deletes idempotency keys past their retention, a batch per transaction.</summary>
public sealed class IdempotencyPurge(NpgsqlDataSource dataSource, IOptions<IdempotencyOptions> options, TimeProvider time)
{
    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var batch = options.Value.PurgeBatch;
        var now = time.GetUtcNow();
        return await BatchedDeletes.RunAsync(batch, async token =>
        {
            await using var cmd = dataSource.CreateCommand("""
                DELETE FROM idempotency_keys
                WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE expires_at <= @now ORDER BY expires_at LIMIT @batch))
                """);
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("batch", batch);
            return await cmd.ExecuteNonQueryAsync(token);
        }, ct);
    }
}

[DisallowConcurrentExecution]
public sealed class IdempotencyPurgeJob(IdempotencyPurge purge, ILogger<IdempotencyPurgeJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var deleted = await purge.PurgeAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Purged {Count} expired idempotency keys", deleted);
        }
    }
}
