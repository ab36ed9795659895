using GmTools.Server.Infrastructure.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GmTools.Server.Diagnostics;

/// <summary>PostgreSQL is the system of record: without it the service cannot serve.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using var cmd = dataSource.CreateCommand("SELECT 1");
            cmd.CommandTimeout = 3;
            await cmd.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex);
        }
    }
}

/// <summary>
/// Redis holds the gate cache and live state. Nothing of record is lost without it, but the service is
/// degraded, so the health service reports NOT_SERVING and load balancers prefer healthy replicas.
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.Database.PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable", ex);
        }
    }
}
