using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Infrastructure.Shutdown;

/// <summary>A part of the replica that holds long-lived work for clients and hands it over when the replica stops.</summary>
public interface IReplicaDrainer
{
    /// <summary>Tells the clients to go elsewhere and returns once they have (or when <paramref name="ct"/> fires: then it ends what is left).</summary>
    Task DrainAsync(CancellationToken ct);
}

/// <summary>
/// The first step of a replica's stop (SIGTERM, or the host's StopAsync), before the server stops listening:
/// the gRPC health service answers NOT_SERVING (a proxy or Kubernetes stops routing here), every new call except
/// the health check is refused with UNAVAILABLE (<see cref="DrainInterceptor"/>), other server streams are ended
/// with UNAVAILABLE, and each <see cref="IReplicaDrainer"/> (GameLink: its streams are told to reconnect, their
/// leases released) is waited for, at most <see cref="ShutdownOptions.DrainTimeout"/>. Then the host's ordinary
/// stop runs: Kestrel finishes the calls in flight, Quartz interrupts and waits for its jobs, all within
/// <see cref="ShutdownOptions.Timeout"/>.
/// </summary>
public sealed class ReplicaDrain(IEnumerable<IReplicaDrainer> drainers, IOptions<ShutdownOptions> options, ILogger<ReplicaDrain> logger)
    : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _draining = new();
    private readonly Lock _gate = new();
    private Task? _drain;

    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Fires when the drain begins.</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>Starts the drain (once; later calls return the same run).</summary>
    public Task DrainAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return _drain ??= RunAsync(ct);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var timeout = options.Value.DrainTimeout;
        logger.LogInformation("Replica stopping: health NOT_SERVING, new calls refused, streams told to reconnect elsewhere (drain at most {DrainTimeout})", timeout);
        var watch = Stopwatch.StartNew();
        await _draining.CancelAsync();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        await Task.WhenAll(drainers.Select(d => d.DrainAsync(bound.Token)));
        logger.LogInformation("Replica drained in {Elapsed} ms", watch.ElapsedMilliseconds);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _draining.Dispose();
}

/// <summary>NOT_SERVING from the moment the replica starts draining, so traffic moves before the listener closes.</summary>
public sealed class DrainHealthCheck(ReplicaDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("this replica is shutting down") : HealthCheckResult.Healthy());
}
