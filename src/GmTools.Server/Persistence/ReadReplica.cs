using System.Data.Common;
using GmTools.Server.Infrastructure.Grpc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Persistence;

/// <summary>Section "GmTools:ReadReplica". The connection string is "ConnectionStrings:PostgresReadOnly" (optional).</summary>
public sealed class ReadReplicaOptions
{
    public const string Section = "GmTools:ReadReplica";

    /// <summary>
    /// The staleness bound: a read goes to the replica only while it is known to hold every write the primary had
    /// committed this long ago; otherwise (lagging, replay paused, unreachable) it goes to the primary.
    /// </summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the replica's replay position is compared with the primary's.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The optional PostgreSQL streaming replica for heavy reads (player search, the audit trail, sanction history).
/// <para>Staleness is measured, not assumed: every <see cref="ReadReplicaOptions.ProbeInterval"/> the probe takes
/// the primary's WAL insert position, remembers when it took it, and reads the replica's replay position. The replica
/// is fresh as of the latest such moment whose position it has replayed, so every transaction that had committed on
/// the primary by then is visible on it. A read is sent to the replica only while that moment is at most
/// <see cref="ReadReplicaOptions.MaxLag"/> old (checked at the read, so the bound holds between probes too);
/// otherwise, and while the replica cannot be reached, reads go to the primary. A replica that fails a query is
/// taken out at once (the call fails UNAVAILABLE, a retry reads the primary) until a probe finds it fresh again.</para>
/// Real time on purpose: replication lag belongs to the network service, not to the business clock.
/// </summary>
public sealed class ReadReplica : BackgroundService
{
    private const int MaxSamples = 256;

    private readonly NpgsqlDataSource _primary;
    private readonly NpgsqlDataSource? _replica;
    private readonly DbContextOptions<GmToolsDbContext>? _replicaContext;
    private readonly ReadReplicaOptions _options;
    private readonly ILogger<ReadReplica> _logger;
    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly Queue<(long At, NpgsqlTypes.NpgsqlLogSequenceNumber Lsn)> _samples = new();
    private long _freshAt = long.MinValue;
    private volatile bool _down = true;

    public ReadReplica(NpgsqlDataSource primary, IConfiguration configuration, IOptions<ReadReplicaOptions> options, ILogger<ReadReplica> logger)
    {
        _primary = primary;
        _options = options.Value;
        _logger = logger;
        if (configuration.GetConnectionString(PersistenceRegistration.ReadOnlyConnectionStringName) is { Length: > 0 } cs)
        {
            _replica = new NpgsqlDataSourceBuilder(cs).Build();
            _replicaContext = (DbContextOptions<GmToolsDbContext>)PersistenceRegistration
                .Configure(new DbContextOptionsBuilder<GmToolsDbContext>(), _replica)
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
                .AddInterceptors(new FailureInterceptor(this))
                .Options;
        }
    }

    public bool Configured => _replica is not null;

    /// <summary>How far behind the replica is known to be at most; null when it is not configured or not usable.</summary>
    public TimeSpan? Staleness
    {
        get
        {
            var freshAt = Interlocked.Read(ref _freshAt);
            return _replica is null || _down || freshAt == long.MinValue ? null : _clock.GetElapsedTime(freshAt);
        }
    }

    /// <summary>True when a read sent now would be within the staleness bound.</summary>
    public bool Usable => Staleness is { } s && s <= _options.MaxLag;

    /// <summary>Reads answered by the replica since start (the rest went to the primary).</summary>
    public long ReplicaReads => Interlocked.Read(ref _replicaReads);

    private long _replicaReads;

    /// <summary>The data source a read should use now: the replica within the bound, else the primary.</summary>
    public NpgsqlDataSource ReadSource()
    {
        if (Usable)
        {
            Interlocked.Increment(ref _replicaReads);
            return _replica!;
        }
        return _primary;
    }

    /// <summary>A context on the replica when it is within the bound (the caller disposes it); null: use the primary's.</summary>
    public GmToolsDbContext? NewReplicaContext()
    {
        if (!Usable)
        {
            return null;
        }
        Interlocked.Increment(ref _replicaReads);
        return new GmToolsDbContext(_replicaContext!);
    }

    /// <summary>A read on the replica failed as if it were gone: reads go to the primary until a probe finds it fresh.</summary>
    public void Failed(Exception ex)
    {
        if (StoreFailures.Classify(ex) == StoreFailure.Unavailable && !_down)
        {
            _down = true;
            _logger.LogWarning(ex, "The read replica failed a query; reads go to the primary until it answers fresh again");
        }
    }

    // One probe; only the loop below runs it (the samples are not shared between threads).
    private async Task ProbeAsync(CancellationToken ct)
    {
        if (_replica is null)
        {
            return;
        }
        var wasUsable = Usable;
        try
        {
            await using (var primary = _primary.CreateCommand("SELECT pg_current_wal_insert_lsn()"))
            {
                var at = _clock.GetTimestamp();
                var lsn = (NpgsqlTypes.NpgsqlLogSequenceNumber)(await primary.ExecuteScalarAsync(ct))!;
                _samples.Enqueue((at, lsn));
                if (_samples.Count > MaxSamples)
                {
                    _samples.Dequeue();
                }
            }
            // A server not in recovery (pointed at a primary, or promoted) holds everything: its position is "now".
            await using var replica = _replica.CreateCommand("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() END");
            var replayed = await replica.ExecuteScalarAsync(ct) is NpgsqlTypes.NpgsqlLogSequenceNumber r ? r : (NpgsqlTypes.NpgsqlLogSequenceNumber?)null;
            long? freshAt = null;
            while (_samples.TryPeek(out var s) && (replayed is null || s.Lsn <= replayed.Value))
            {
                freshAt = s.At;
                _samples.Dequeue();
            }
            if (freshAt is { } f)
            {
                Interlocked.Exchange(ref _freshAt, f);
            }
            _down = false;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            _down = true;
            if (wasUsable)
            {
                _logger.LogWarning(ex, "The read replica cannot be probed; reads go to the primary");
            }
        }
        var usable = Usable;
        if (usable != wasUsable)
        {
            _logger.LogInformation("Read replica {State} (staleness {Staleness}, bound {Bound})", usable ? "in use" : "out of use", Staleness, _options.MaxLag);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_replica is null)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            await ProbeAsync(stoppingToken);
            try
            {
                await Task.Delay(_options.ProbeInterval, _clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _replica?.Dispose();
        base.Dispose();
    }

    /// <summary>Takes the replica out the moment one of its connections or commands fails as an unreachable server would.</summary>
    private sealed class FailureInterceptor(ReadReplica owner) : IDbConnectionInterceptor, IDbCommandInterceptor
    {
        public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            owner.Failed(eventData.Exception);
            return Task.CompletedTask;
        }

        public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            owner.Failed(eventData.Exception);
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// The context a heavy read runs on in this request: the replica's while it is within the staleness bound (chosen
/// once, at the first use, so one request reads one server), otherwise the request's primary context.
/// </summary>
public sealed class ReadDb(GmToolsDbContext primary, ReadReplica replica) : IAsyncDisposable
{
    private GmToolsDbContext? _chosen;
    private GmToolsDbContext? _own;

    public GmToolsDbContext Db => _chosen ??= (_own = replica.NewReplicaContext()) ?? primary;

    public async ValueTask DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }
}
