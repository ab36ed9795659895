using System.Collections.Concurrent;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Infrastructure.Shutdown;
using GmTools.Server.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace GmTools.Server.GameLink;

/// <summary>
/// This replica's end of the link: the streams it holds, and the Redis channel through which replicas tell each
/// other "game server X has new commands" and "a newer stream for X opened". One channel for all game servers
/// (the id is in the message), so each replica holds one subscription however many streams it has.
/// Messages are hints only: the sweep re-reads PostgreSQL, so a lost message costs a delay, never a command.
/// <para>The replica-wide work, so that an idle stream costs nothing of its own: one heartbeat tick for all streams
/// (in memory), one sweep per interval (one query renews the replica's lease row and finds, for all its streams at
/// once, the ones taken over elsewhere or with commands after their cursor), and one watcher of the write-order
/// horizon for streams whose next command waits for an older open transaction.</para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without timers holds nothing; the host may stop the hub after disposing it.")]
public sealed class GameLinkHub : IHostedService, IReplicaDrainer
{
    private static readonly TimeSpan HorizonPauseMin = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan HorizonPauseMax = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HeldBackWarning = TimeSpan.FromSeconds(5);

    private const string CommandsPrefix = "c:";
    private const string TakeoverPrefix = "t:";

    private readonly ConcurrentDictionary<string, GameLinkSession> _sessions = new(StringComparer.Ordinal);
    // Streams whose next command an older open transaction holds back, with that command's id.
    private readonly ConcurrentDictionary<GameLinkSession, long> _heldBack = new();
    private readonly WakeSignal _horizonWake = new();
    private readonly RedisConnection _redis;
    private readonly OutboxStore _store;
    private readonly GameLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GameLinkHub> _logger;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Completes once the replica drains and its last stream has released its lease.
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;

    public GameLinkHub(RedisConnection redis, OutboxStore store, IOptions<GameLinkOptions> options, TimeProvider time, TransactionCommitHooks commits, ILogger<GameLinkHub> logger)
    {
        _redis = redis;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        // Any commit here may be the older transaction a held-back stream waits for.
        commits.AnyCommitted += () =>
        {
            if (!_heldBack.IsEmpty)
            {
                _horizonWake.Set();
            }
        };
        _channel = redis.Channel("gamelink:events");
        _lastSweepTicks = time.GetUtcNow().UtcTicks;
        ReplicaId = options.Value.ReplicaId is { Length: > 0 } id ? id : $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
    }

    public string ReplicaId { get; }

    /// <summary>Completes once this replica listens on the channel (StackExchange.Redis restores it after a reconnect).</summary>
    public Task Subscribed => _subscribed.Task;

    public int StreamCount => _sessions.Count;

    /// <summary>Sweeps finished (lease renewed and streams checked), for tests and dashboards.</summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);

    private long _sweeps;

    /// <summary>When the last sweep finished (the hub's start before the first): a replica whose sweep stalls shows here.</summary>
    public DateTimeOffset LastSweepAt => new(Interlocked.Read(ref _lastSweepTicks), TimeSpan.Zero);

    private long _lastSweepTicks;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = SubscribeUntilDoneAsync(_stopping.Token);
        _ = TickAsync(_options.HeartbeatInterval, HeartbeatTick, "heartbeat", _stopping.Token);
        _ = TickAsync(_options.SweepInterval, SweepAsync, "sweep", _stopping.Token);
        _ = WatchHorizonAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var session in _sessions.Values)
        {
            session.Close(SessionEnd.ReplicaStopping);
        }
    }

    /// <summary>
    /// The replica stops: every stream is told to go away (to reconnect elsewhere at once) and ends when what it
    /// sent is acknowledged; returns once all have ended and released their leases, so the game servers' new
    /// streams on other replicas take over without waiting for a lease to go stale. Streams still open when
    /// <paramref name="ct"/> fires are ended (UNAVAILABLE) at once.
    /// </summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        _draining = true;
        var count = _sessions.Count;
        foreach (var session in _sessions.Values)
        {
            session.Drain();
        }
        CompleteDrainIfEmpty();
        try
        {
            await _drained.Task.WaitAsync(ct);
            _logger.LogInformation("GameLink drained: {Count} streams told to reconnect elsewhere", count);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("GameLink drain timed out with {Open} of {Count} streams open; ending them", _sessions.Count, count);
            foreach (var session in _sessions.Values)
            {
                session.Close(SessionEnd.ReplicaStopping);
            }
        }
    }

    /// <summary>Adds a stream; an older stream for the same game server on this replica is closed at once.</summary>
    internal void Register(GameLinkSession session)
    {
        GameLinkSession? older = null;
        _sessions.AddOrUpdate(session.GameServerId, session, (_, existing) =>
        {
            older = existing;
            return session;
        });
        older?.Close(SessionEnd.Superseded);
        if (_draining)
        {
            session.Drain(); // opened just as the drain began
        }
    }

    /// <summary>Removes a stream that has ended and released its lease.</summary>
    internal void Unregister(GameLinkSession session)
    {
        ((ICollection<KeyValuePair<string, GameLinkSession>>)_sessions).Remove(new(session.GameServerId, session));
        _heldBack.TryRemove(session, out _);
        CompleteDrainIfEmpty();
    }

    private void CompleteDrainIfEmpty()
    {
        if (_draining && _sessions.IsEmpty)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>A new stream of this replica, wired to the replica's horizon watcher.</summary>
    internal GameLinkSession NewSession(string gameServerId) =>
        new(gameServerId, _store, _options, _time, ReplicaId, HoldBack);

    /// <summary>The session read up to <paramref name="firstHeldBack"/>, which waits for an older open transaction.</summary>
    private void HoldBack(GameLinkSession session, long firstHeldBack)
    {
        _heldBack[session] = firstHeldBack;
        _horizonWake.Set();
    }

    private async Task TickAsync(TimeSpan period, Func<DateTimeOffset, CancellationToken, Task> tick, string what, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await tick(_time.GetUtcNow(), ct);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    // PostgreSQL away: the streams notice on their own reads; the next tick tries again.
                    _logger.LogWarning("GameLink {What} failed: {Message}", what, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task HeartbeatTick(DateTimeOffset now, CancellationToken ct)
    {
        foreach (var session in _sessions.Values)
        {
            session.HeartbeatTick(now);
        }
        return Task.CompletedTask;
    }

    private async Task SweepAsync(DateTimeOffset now, CancellationToken ct)
    {
        var asked = new Dictionary<string, GameLinkSession>(_sessions.Count, StringComparer.Ordinal);
        var held = new List<HeldStream>(_sessions.Count);
        foreach (var session in _sessions.Values)
        {
            session.SweepTick();
            if (asked.TryAdd(session.GameServerId, session))
            {
                held.Add(new HeldStream(session.GameServerId, session.SessionId, session.Cursor));
            }
        }
        var findings = await _store.RenewAndSweepAsync(ReplicaId, held, now, ct);
        Interlocked.Exchange(ref _lastSweepTicks, _time.GetUtcNow().UtcTicks);
        Interlocked.Increment(ref _sweeps);
        foreach (var finding in findings)
        {
            var session = asked[finding.GameServerId];
            if (finding.Superseded)
            {
                session.Close(SessionEnd.Superseded);
            }
            else
            {
                session.CommandsWaiting();
            }
        }
    }

    /// <summary>
    /// Wakes held-back streams once the write-order horizon has passed their next command: asks PostgreSQL for the
    /// horizon (one query for the whole replica) right after any local commit, else with a pause that doubles from
    /// 1 ms to 50 ms while nothing moves. Costs nothing while no stream is held back. Real time on purpose: it waits
    /// for database transactions, not for the business clock.
    /// </summary>
    private async Task WatchHorizonAsync(CancellationToken ct)
    {
        var pause = HorizonPauseMin;
        long heldSince = 0;
        var warned = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_heldBack.IsEmpty)
                {
                    heldSince = 0;
                    warned = false;
                    await _horizonWake.WaitAsync(ct);
                    pause = HorizonPauseMin;
                    continue;
                }
                heldSince = heldSince == 0 ? Environment.TickCount64 : heldSince;
                long horizon;
                try
                {
                    horizon = await _store.CommandHorizonAsync(ct);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    _logger.LogWarning("GameLink cannot read the write-order horizon: {Message}", ex.Message);
                    await _horizonWake.WaitAsync(TimeSpan.FromSeconds(1), ct);
                    continue;
                }
                var moved = false;
                foreach (var (session, first) in _heldBack)
                {
                    if (first < horizon && _heldBack.TryRemove(new KeyValuePair<GameLinkSession, long>(session, first)))
                    {
                        session.CommandsWaiting();
                        moved = true;
                    }
                }
                if (moved)
                {
                    pause = HorizonPauseMin;
                    heldSince = 0;
                    warned = false;
                    continue;
                }
                if (!warned && Environment.TickCount64 - heldSince > HeldBackWarning.TotalMilliseconds)
                {
                    warned = true;
                    _logger.LogWarning("GameLink: commands for {Count} game servers wait for an older open transaction: {Holder}. " +
                                       "Long write transactions hold back delivery; consider idle_in_transaction_session_timeout",
                        _heldBack.Count, await DescribeOldestWriterAsync(ct));
                }
                await _horizonWake.WaitAsync(pause, ct);
                pause = pause * 2 > HorizonPauseMax ? HorizonPauseMax : pause * 2;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<string> DescribeOldestWriterAsync(CancellationToken ct)
    {
        try
        {
            return await _store.DescribeOldestWriterAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return "(unknown: " + ex.Message + ")";
        }
    }

    /// <summary>Called after a transaction that enqueued commands committed.</summary>
    public void CommandsCommitted(IEnumerable<string> gameServerIds)
    {
        foreach (var id in gameServerIds)
        {
            // A stream on this replica hears it directly; the others through Redis.
            if (_sessions.TryGetValue(id, out var local))
            {
                local.CommandsWaiting();
            }
            Publish(CommandsPrefix + id);
        }
    }

    internal void AnnounceTakeover(string gameServerId, Guid sessionId) => Publish($"{TakeoverPrefix}{gameServerId}:{sessionId:N}");

    private void Publish(string message)
    {
        try
        {
            _redis.Subscriber.Publish(_channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis down: the sweep delivers it a little later.
            _logger.LogDebug(ex, "GameLink notification not published");
        }
    }

    private void OnMessage(RedisChannel _, RedisValue value)
    {
        var message = (string?)value;
        if (message is null)
        {
            return;
        }
        if (message.StartsWith(CommandsPrefix, StringComparison.Ordinal))
        {
            if (_sessions.TryGetValue(message[CommandsPrefix.Length..], out var session))
            {
                session.CommandsWaiting();
            }
        }
        else if (message.StartsWith(TakeoverPrefix, StringComparison.Ordinal))
        {
            var rest = message[TakeoverPrefix.Length..];
            var colon = rest.LastIndexOf(':');
            if (colon > 0 && _sessions.TryGetValue(rest[..colon], out var session) && session.SessionId.ToString("N") != rest[(colon + 1)..])
            {
                // Not closed on the message's word alone (messages can arrive late): the session re-reads its lease.
                session.CheckLease();
            }
        }
    }

    private async Task SubscribeUntilDoneAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _redis.Subscriber.SubscribeAsync(_channel, OnMessage);
                _subscribed.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogWarning("GameLink cannot subscribe to Redis yet ({Message}); the sweep carries delivery meanwhile", ex.Message);
                try
                {
                    // Real time on purpose: this waits for a network service, not for the business clock.
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
