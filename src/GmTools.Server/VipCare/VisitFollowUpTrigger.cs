using GmTools.Server.Players;

namespace GmTools.Server.VipCare;

/// <summary>
/// Plans follow-up visits (complaint, large compensation, wrongful lift) as soon as one of those events commits, off
/// the request path. Signals arriving while a run is going are folded into one more run, so a burst costs two runs.
/// The plan statements are the planning job's own (idempotent against the partial unique index), so a run here and
/// the job on another replica at the same moment create nothing twice.
/// </summary>
public sealed class VisitFollowUpTrigger(IServiceScopeFactory scopes, ILogger<VisitFollowUpTrigger> logger) : IPlayerFollowUps
{
    private int _state; // 0 idle, 1 running, 2 running with another run asked for

    /// <summary>Runs finished (for tests).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    private long _runs;

    public void Happened(string what)
    {
        if (Interlocked.Exchange(ref _state, 2) == 0)
        {
            _ = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        do
        {
            Interlocked.Exchange(ref _state, 1);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<VisitPlanner>().PlanFollowUpsAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                logger.LogWarning(ex, "Planning follow-up visits at once failed; the planning run picks them up");
            }
            Interlocked.Increment(ref _runs);
        }
        while (Interlocked.CompareExchange(ref _state, 0, 1) != 1);
    }
}
