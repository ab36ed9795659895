using GmTools.Server.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// Deletes dismissed flags older than <see cref="ChatWatchOptions.DismissedFlagRetention"/>, a batch per statement.
/// Only dismissed ones: a pending or claimed flag is still the review queue's, and a flag that a sanction consumed is
/// that sanction's evidence and stays as long as the sanction's record. A case that linked a line keeps its own copy
/// of the text (<c>case_links.line_text</c>), so the purge never empties a case. A line replayed after its flag is
/// gone would be flagged again; game servers replay within hours (<see cref="ChatWatchOptions.SeenLineTtl"/>), the
/// retention is months.
/// </summary>
public sealed class ChatFlagPurge(NpgsqlDataSource dataSource, IOptions<ChatWatchOptions> options, TimeProvider time)
{
    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var o = options.Value;
        var before = time.GetUtcNow() - o.DismissedFlagRetention;
        return await BatchedDeletes.RunAsync(o.PurgeBatch, async token =>
        {
            await using var cmd = dataSource.CreateCommand("""
                DELETE FROM chat_flags
                WHERE flag_id = ANY(ARRAY(
                    SELECT flag_id FROM chat_flags
                    WHERE state = @dismissed AND sanction_id IS NULL AND decided_at < @before
                    ORDER BY flag_id LIMIT @batch))
                """);
            cmd.Parameters.AddWithValue("dismissed", ChatReviewStates.Dismissed);
            cmd.Parameters.AddWithValue("before", before);
            cmd.Parameters.AddWithValue("batch", o.PurgeBatch);
            return await cmd.ExecuteNonQueryAsync(token);
        }, ct);
    }
}

[DisallowConcurrentExecution]
public sealed class ChatFlagPurgeJob(ChatFlagPurge purge, ILogger<ChatFlagPurgeJob> logger) : IJob
{
    public const string Name = "chat-flag-purge";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var deleted = await purge.PurgeAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Purged {Count} dismissed chat flags past their retention", deleted);
        }
    }
}
