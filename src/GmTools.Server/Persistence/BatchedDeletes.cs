namespace GmTools.Server.Persistence;

/// <summary>
/// The purges' loop: a statement that deletes at most one batch of rows (its own short transaction, so a purge never
/// holds locks on a whole table's worth of rows), run again until it deletes fewer than a batch or the job is stopped.
/// </summary>
public static class BatchedDeletes
{
    public static async Task<long> RunAsync(int batch, Func<CancellationToken, Task<long>> deleteOneBatch, CancellationToken ct)
    {
        long total = 0;
        while (!ct.IsCancellationRequested)
        {
            var deleted = await deleteOneBatch(ct);
            total += deleted;
            if (deleted < batch)
            {
                break;
            }
        }
        return total;
    }
}
