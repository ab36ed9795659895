using GmTools.Server.Persistence;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmTools.Server.Infrastructure.Redis;

/// <summary>
/// The process's one multiplexer plus the key prefix. It never refuses to start when Redis is down:
/// Redis holds only caches and live state, and every caller has a PostgreSQL path.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly string _prefix;

    public RedisConnection(IConfiguration configuration, IOptions<RedisOptions> options)
    {
        var config = ConfigurationOptions.Parse(PersistenceRegistration.RequiredConnectionString(configuration, "Redis"));
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 2_000);
        config.AsyncTimeout = Math.Min(config.AsyncTimeout, 2_000);
        config.SyncTimeout = Math.Min(config.SyncTimeout, 2_000);
        config.ReconnectRetryPolicy = new LinearRetry(500);
        _prefix = options.Value.KeyPrefix;
        Multiplexer = ConnectionMultiplexer.Connect(config);
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    public ISubscriber Subscriber => Multiplexer.GetSubscriber();

    public RedisKey Key(string name) => _prefix + name;

    public RedisChannel Channel(string name) => RedisChannel.Literal(_prefix + name);

    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync();
}

public static class RedisRegistration
{
    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration configuration)
    {
        PersistenceRegistration.RequiredConnectionString(configuration, "Redis");
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RedisConnection>();
        return services;
    }
}
