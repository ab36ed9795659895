using System.Diagnostics.Metrics;
using GmTools.Server.GameLink;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Telemetry;

/// <summary>
/// The GameLink gauges: per game server, the commands not yet settled and how long the oldest of them has waited;
/// this replica's streams and sweeps. The backlog is read by one grouped query per <see cref="TelemetryOptions.BacklogInterval"/>
/// (on the pending-rows index), never per scrape nor per game server; a scrape reads the last snapshot, and the age
/// grows with the clock between snapshots. Every replica reads the same backlog, so dashboards take the max per
/// game server. Only game servers with something pending get a series, those waiting longest first, at most
/// <see cref="TelemetryOptions.BacklogSeries"/> of them; the totals count all.
/// </summary>
public sealed class GameLinkGauges : BackgroundService
{
    private const string Query = """
        WITH g AS (
            SELECT game_server_id, count(*) AS pending, min(created_at) AS oldest
            FROM gamelink_outbox WHERE outcome IS NULL GROUP BY game_server_id)
        SELECT game_server_id, pending, oldest, sum(pending) OVER (), count(*) OVER ()
        FROM g ORDER BY oldest LIMIT @series
        """;

    private readonly DeliveryDatabase _database;
    private readonly GameLinkHub _hub;
    private readonly TelemetryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GameLinkGauges> _logger;
    private volatile Backlog _backlog = Backlog.Empty;

    public GameLinkGauges(ServerMetrics metrics, DeliveryDatabase database, GameLinkHub hub, IOptions<TelemetryOptions> options, TimeProvider time, ILogger<GameLinkGauges> logger)
    {
        _database = database;
        _hub = hub;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("gmtools.gamelink.commands.pending", () => _backlog.Servers.Select(s => new Measurement<long>(s.Pending, Server(s))),
            "{command}", "Commands enqueued for the game server and not yet settled (sent or not), from the last backlog snapshot");
        meter.CreateObservableGauge("gmtools.gamelink.commands.oldest_unacked_age", OldestAges,
            "s", "Age of the game server's oldest command not yet settled");
        meter.CreateObservableGauge("gmtools.gamelink.backlog.commands", () => _backlog.TotalPending,
            "{command}", "Commands not yet settled, all game servers");
        meter.CreateObservableGauge("gmtools.gamelink.backlog.game_servers", () => _backlog.ServersBehind,
            "{game_server}", "Game servers with at least one command not yet settled");
        meter.CreateObservableGauge("gmtools.gamelink.streams", () => _hub.StreamCount,
            "{stream}", "GameLink streams this replica holds");
        meter.CreateObservableCounter("gmtools.gamelink.sweeps", () => _hub.Sweeps,
            "{sweep}", "Sweeps this replica finished (lease renewed, its streams checked against PostgreSQL)");
        meter.CreateObservableGauge("gmtools.gamelink.last_sweep_age", LastSweepAge,
            "s", "Time since this replica's last finished sweep (since its start before the first)");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.BacklogInterval, _time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads the backlog now; a failed read keeps the last snapshot (its ages keep growing) and is retried next tick.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            await using var cmd = _database.DataSource.CreateCommand(Query);
            cmd.Parameters.AddWithValue("series", _options.BacklogSeries);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var servers = new List<ServerBacklog>();
            long total = 0, behind = 0;
            while (await reader.ReadAsync(ct))
            {
                servers.Add(new ServerBacklog(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
                total = (long)reader.GetDecimal(3);
                behind = reader.GetInt64(4);
            }
            _backlog = new Backlog(servers, total, behind);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            _logger.LogWarning("Outbox backlog not read: {Message}; the gauges keep the last snapshot", ex.Message);
        }
    }

    private IEnumerable<Measurement<double>> OldestAges()
    {
        var now = _time.GetUtcNow();
        return _backlog.Servers.Select(s => new Measurement<double>(Math.Max(0, (now - s.Oldest).TotalSeconds), Server(s)));
    }

    private double LastSweepAge() => Math.Max(0, (_time.GetUtcNow() - _hub.LastSweepAt).TotalSeconds);

    private static KeyValuePair<string, object?> Server(ServerBacklog s) => new("game_server", s.GameServerId);

    private sealed record ServerBacklog(string GameServerId, long Pending, DateTimeOffset Oldest);

    private sealed record Backlog(IReadOnlyList<ServerBacklog> Servers, long TotalPending, long ServersBehind)
    {
        public static readonly Backlog Empty = new([], 0, 0);
    }
}
