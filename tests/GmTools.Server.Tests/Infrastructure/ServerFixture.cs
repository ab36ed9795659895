using GmTools.Server.GameServers;
using GmTools.Server.Security;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// Per test class: a fresh database, a fresh Redis key prefix, a fake clock and one server replica
/// (more replicas on demand). Use as IClassFixture&lt;ServerFixture&gt;.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly List<GmToolsFactory> _replicas = [];

    public string Postgres { get; private set; } = "";

    public string RedisPrefix { get; } = $"t{Guid.NewGuid():N}:";

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public GmToolsFactory Server => _replicas[0];

    /// <summary>Where every replica of this fixture logs (see <see cref="LogTo"/>).</summary>
    public TestLog Log { get; } = new();

    /// <summary>
    /// Sends the server's log to this test's output. <see cref="ServerLogFramework"/> calls it before every test of a
    /// class that gets this fixture; a test that builds a fixture of its own calls it with its output.
    /// </summary>
    public void LogTo(ITestOutputHelper output) => Log.Attach(output);

    /// <summary>
    /// A redis-server of this fixture's own (<see cref="Redis"/>) instead of the shared one, for tests that stop,
    /// start or flush it.
    /// </summary>
    protected virtual bool UsesPrivateRedis => false;

    /// <summary>The private Redis when <see cref="UsesPrivateRedis"/>; otherwise null.</summary>
    public PrivateRedis Redis { get; private set; } = null!;

    /// <summary>
    /// Every replica on the run's 3-master Redis Cluster (<see cref="TestEnvironment.RedisCluster"/>) instead of the
    /// single shared Redis, under this fixture's own key prefix.
    /// </summary>
    protected virtual bool UsesRedisCluster => false;

    /// <summary>
    /// A PostgreSQL cluster of this fixture's own (<see cref="Database"/>) instead of a database on the shared one,
    /// for tests that stop, crash or restart it.
    /// </summary>
    protected virtual bool UsesPrivatePostgres => false;

    /// <summary>The private PostgreSQL cluster when <see cref="UsesPrivatePostgres"/>; otherwise null.</summary>
    public PrivatePostgres Database { get; private set; } = null!;

    /// <summary>
    /// A private PostgreSQL cluster (as <see cref="UsesPrivatePostgres"/>) plus a streaming replica of it
    /// (<see cref="ReadReplica"/>), given to every replica as ConnectionStrings:PostgresReadOnly.
    /// </summary>
    protected virtual bool UsesReadReplica => false;

    /// <summary>The streaming replica when <see cref="UsesReadReplica"/>; otherwise null.</summary>
    public PrivatePostgres ReadReplica { get; private set; } = null!;

    /// <summary>The replica's connection string to the fixture's database, when <see cref="UsesReadReplica"/>.</summary>
    public string ReadReplicaConnectionString { get; private set; } = "";

    /// <summary>Extra configuration for every replica of this fixture.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        if (UsesPrivateRedis)
        {
            Redis = await PrivateRedis.StartAsync();
        }
        if (UsesPrivatePostgres || UsesReadReplica)
        {
            Database = await PrivatePostgres.StartAsync();
            Postgres = await Database.CreateMigratedDatabaseAsync();
            if (UsesReadReplica)
            {
                ReadReplica = await Database.StartReplicaAsync();
                ReadReplicaConnectionString = ReadReplica.ConnectionString("gm");
            }
        }
        else
        {
            Postgres = await TestDatabase.CreateAsync(GetType().Name);
        }
        var first = AddReplica();
        _ = first.Server; // start it now, so failures surface in the fixture
    }

    /// <summary>Another replica against the same PostgreSQL database and Redis prefix.</summary>
    public GmToolsFactory AddReplica(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(Settings);
        if (UsesPrivateRedis)
        {
            settings["ConnectionStrings:Redis"] = Redis.ConnectionString;
        }
        else if (UsesRedisCluster)
        {
            settings["ConnectionStrings:Redis"] = TestEnvironment.RedisCluster;
        }
        if (UsesReadReplica)
        {
            settings["ConnectionStrings:PostgresReadOnly"] = ReadReplicaConnectionString;
        }
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }
        var factory = new GmToolsFactory(Postgres, RedisPrefix, Clock, settings, Log);
        _replicas.Add(factory);
        return factory;
    }

    public GrpcChannel Channel(string? authorization = null) => Server.Channel(authorization);

    public string Token(string user, params Role[] roles) => Server.StaffToken(user, roles);

    public GrpcChannel StaffChannel(string user, params Role[] roles) => Server.Channel(Token(user, roles));

    /// <summary>Registers a game server (if new) and returns its authorization header value.</summary>
    public async Task<string> GameServerCredentialAsync(string gameServerId)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
        var existing = await registry.ListAsync(Caller.System, CancellationToken.None);
        var issued = existing.Any(g => g.GameServerId == gameServerId)
            ? await registry.RotateAsync(gameServerId, "test", CancellationToken.None)
            : await registry.RegisterAsync(gameServerId, gameServerId.ToUpperInvariant(), "test", "test", CancellationToken.None);
        return $"{GameServerCredential.Scheme} {issued.Credential}";
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
        if (UsesPrivateRedis)
        {
            await Redis.DisposeAsync();
        }
        if (UsesReadReplica)
        {
            await ReadReplica.DisposeAsync();
        }
        if (UsesPrivatePostgres || UsesReadReplica)
        {
            await Database.DisposeAsync();
        }
    }
}

/// <summary>A <see cref="ServerFixture"/> on a redis-server of its own, for tests that stop, start or flush it.</summary>
public sealed class PrivateRedisFixture : ServerFixture
{
    protected override bool UsesPrivateRedis => true;
}
