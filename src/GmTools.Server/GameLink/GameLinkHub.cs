using System.Collections.Concurrent;
using GmTools.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmTools.Server.GameLink;

/// <summary>
/// This replica's end of the link: the streams it holds, and the Redis channel through which replicas tell each
/// other "game server X has new commands" and "a newer stream for X opened". One channel for all game servers
/// (the id is in the message), so each replica holds one subscription however many streams it has.
/// Messages are hints only: the per-stream sweep re-reads PostgreSQL, so a lost message costs a delay, never a command.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without timers holds nothing; the host may stop the hub after disposing it.")]
public sealed class GameLinkHub : IHostedService
{
    private const string CommandsPrefix = "c:";
    private const string TakeoverPrefix = "t:";

    private readonly ConcurrentDictionary<string, GameLinkSession> _sessions = new(StringComparer.Ordinal);
    private readonly RedisConnection _redis;
    private readonly ILogger<GameLinkHub> _logger;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GameLinkHub(RedisConnection redis, IOptions<GameLinkOptions> options, ILogger<GameLinkHub> logger)
    {
        _redis = redis;
        _logger = logger;
        _channel = redis.Channel("gamelink:events");
        ReplicaId = options.Value.ReplicaId is { Length: > 0 } id ? id : $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
    }

    public string ReplicaId { get; }

    /// <summary>Completes once this replica listens on the channel (StackExchange.Redis restores it after a reconnect).</summary>
    public Task Subscribed => _subscribed.Task;

    public int StreamCount => _sessions.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = SubscribeUntilDoneAsync(_stopping.Token);
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
    }

    internal void Unregister(GameLinkSession session) =>
        ((ICollection<KeyValuePair<string, GameLinkSession>>)_sessions).Remove(new(session.GameServerId, session));

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
