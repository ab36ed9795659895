using System.Threading.Channels;
using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmTools.Server.GameLink;

public enum SessionEnd
{
    Superseded,
    ReplicaStopping,
    Silent,
}

/// <summary>
/// One game server's stream on this replica. A single writer loop owns the response stream and the read cursor;
/// everything else (Redis hints, the hub's ticks, acks) only raises flags and wakes it.
/// <para>An idle stream costs no database work of its own: heartbeats, ack timeouts and silence are checked in
/// memory on the hub's replica-wide ticks, and the lease and the safety-net sweep are one query per replica per
/// interval (<see cref="GameLinkHub"/>). The outbox is read only when woken: a commit on this replica, a Redis
/// message from another, the sweep, room in the window, or the write-order horizon moving past a command that an
/// older open transaction held back.</para>
/// <para>Delivery: commands go out in id order after a cursor, at most <see cref="GameLinkOptions.MaxInFlight"/>
/// unacknowledged at a time. When the oldest unacknowledged one is older than the ack timeout the cursor is
/// rewound to it and everything from there is sent again (the game server skips ids it has applied).</para>
/// </summary>
internal sealed class GameLinkSession
{
    private readonly OutboxStore _store;
    private readonly GameLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly string _replicaId;
    private readonly Action<GameLinkSession, long> _heldBack;
    private readonly WakeSignal _wake = new();
    private readonly SortedDictionary<long, DateTimeOffset> _inFlight = new();
    // Sends of commands not yet acknowledged (guarded by _inFlight's lock): written to the row with the ack.
    private readonly Dictionary<long, SendMark> _sends = [];
    // Completes (with the reason) when the hub or a newer stream ends this one; ends it even while the writer is
    // stuck on a dead peer's full flow-control window.
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _cursor;
    private long _lastHeardTicks;
    private volatile bool _commandsWaiting = true;
    private volatile bool _heartbeatDue;
    private volatile bool _ackTimeoutCheckDue;
    private volatile bool _leaseCheckDue;
    private volatile bool _draining;
    private bool _goAwaySent; // the writer loop's own

    public GameLinkSession(string gameServerId, OutboxStore store, GameLinkOptions options, TimeProvider time, string replicaId, Action<GameLinkSession, long> heldBack)
    {
        GameServerId = gameServerId;
        _store = store;
        _options = options;
        _time = time;
        _replicaId = replicaId;
        _heldBack = heldBack;
        _lastHeardTicks = time.GetUtcNow().UtcTicks;
        _wake.Set(); // the first round reads whatever waited while the game server was away
    }

    public string GameServerId { get; }

    public Guid SessionId { get; } = Guid.NewGuid();

    /// <summary>The last command id handed to the stream (the sweep asks whether anything pending lies beyond it).</summary>
    public long Cursor => Interlocked.Read(ref _cursor);

    public void CommandsWaiting()
    {
        _commandsWaiting = true;
        _wake.Set();
    }

    public void CheckLease()
    {
        _leaseCheckDue = true;
        _wake.Set();
    }

    /// <summary>
    /// The replica is stopping: the writer says go-away, sends nothing more, and ends the stream (UNAVAILABLE) once
    /// everything it sent is acknowledged or the game server has gone; the hub ends it sooner if the drain times out.
    /// </summary>
    public void Drain()
    {
        _draining = true;
        _wake.Set();
    }

    public void Close(SessionEnd reason)
    {
        _ended.TrySetException(reason switch
        {
            SessionEnd.Superseded => Superseded(),
            SessionEnd.ReplicaStopping => new RpcException(new Status(StatusCode.Unavailable, "this GmTools replica is shutting down; reconnect")),
            _ => new RpcException(new Status(StatusCode.Unavailable, $"nothing heard from game server '{GameServerId}' for {_options.DeadAfter.TotalSeconds:0.#} s; closing the stream")),
        });
        _wake.Set();
    }

    /// <summary>The hub's heartbeat tick: close a silent stream, else send a heartbeat and look for ack timeouts.</summary>
    public void HeartbeatTick(DateTimeOffset now)
    {
        var silent = now - new DateTimeOffset(Interlocked.Read(ref _lastHeardTicks), TimeSpan.Zero);
        if (silent >= _options.DeadAfter)
        {
            Close(SessionEnd.Silent);
            return;
        }
        _heartbeatDue = true;
        _ackTimeoutCheckDue = true;
        _wake.Set();
    }

    /// <summary>The hub's sweep tick: only the in-memory ack-timeout check; the database part is the hub's one query.</summary>
    public void SweepTick()
    {
        bool any;
        lock (_inFlight)
        {
            any = _inFlight.Count > 0;
        }
        if (any)
        {
            _ackTimeoutCheckDue = true;
            _wake.Set();
        }
    }

    public async Task RunAsync(IAsyncStreamReader<ConnectRequest> requests, IServerStreamWriter<ConnectResponse> responses, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var acks = Channel.CreateUnbounded<CommandAck>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var tasks = new[]
        {
            ReadAsync(requests, acks.Writer, cts.Token),
            SettleAsync(acks.Reader, cts.Token),
            WriteAsync(responses, cts.Token),
            _ended.Task,
        };
        var first = await Task.WhenAny(tasks);
        _ = _ended.Task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed even when something else ended the stream
        if (first == tasks[0] && first.IsCompletedSuccessfully)
        {
            // The game server closed its side: record the acks it sent last before stopping the rest.
            try
            {
                await tasks[1];
            }
            catch (Exception)
            {
                // reported below, as the stream's end, only if nothing else ended it
            }
        }
        await cts.CancelAsync();
        foreach (var task in tasks.Where(t => t != first && t != _ended.Task))
        {
            try
            {
                await task;
            }
            catch (Exception)
            {
                // Only the first to finish says why the stream ended; the rest were stopped by it.
            }
        }
        try
        {
            await first;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ct.IsCancellationRequested)
        {
            // The game server hung up (a reset surfaces as an IOException from the reader): a normal end.
            throw new OperationCanceledException("the game server closed the stream", ex, ct);
        }
    }

    /// <summary>After the stream ended: the send counts of what was sent and never acknowledged.</summary>
    public Task RecordUnsettledSendsAsync(CancellationToken ct)
    {
        List<(long, SendMark)> unsettled;
        lock (_inFlight)
        {
            unsettled = _sends.Select(kv => (kv.Key, kv.Value)).ToList();
            _sends.Clear();
        }
        return _store.RecordSendsAsync(GameServerId, unsettled, ct);
    }

    private async Task ReadAsync(IAsyncStreamReader<ConnectRequest> requests, ChannelWriter<CommandAck> acks, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            Interlocked.Exchange(ref _lastHeardTicks, _time.GetUtcNow().UtcTicks);
            var message = requests.Current;
            switch (message.MessageCase)
            {
                case ConnectRequest.MessageOneofCase.Acks:
                    foreach (var ack in message.Acks.Acks)
                    {
                        acks.TryWrite(ack);
                    }
                    break;
                case ConnectRequest.MessageOneofCase.Hello:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "hello is only the first message"));
            }
        }
        // The game server closed its side: the stream ends normally once its last acks are settled.
        acks.TryComplete();
    }

    private async Task SettleAsync(ChannelReader<CommandAck> acks, CancellationToken ct)
    {
        var batch = new List<CommandAck>(1024);
        while (await acks.WaitToReadAsync(ct))
        {
            batch.Clear();
            while (batch.Count < 4096 && acks.TryRead(out var ack))
            {
                batch.Add(ack);
            }
            var marks = new SendMark[batch.Count];
            lock (_inFlight)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var id = batch[i].CommandId;
                    _inFlight.Remove(id);
                    marks[i] = _sends.Remove(id, out var mark) ? mark : default;
                }
            }
            var result = await _store.SettleAsync(GameServerId, batch, _time.GetUtcNow(), marks, ct);
            if (result.Compensations > 0)
            {
                _commandsWaiting = true; // an applied, withdrawn command queued its claw-back for this game server
            }
            _wake.Set(); // room in the window
        }
    }

    private async Task WriteAsync(IServerStreamWriter<ConnectResponse> responses, CancellationToken ct)
    {
        await responses.WriteAsync(new ConnectResponse
        {
            Welcome = new GameLinkWelcome { ReplicaId = _replicaId, SessionId = SessionId.ToString("N"), HeartbeatInterval = Duration.FromTimeSpan(_options.HeartbeatInterval) },
        }, ct);
        while (true)
        {
            await _wake.WaitAsync(ct);
            var now = _time.GetUtcNow();
            ThrowIfEnded();
            if (_draining)
            {
                await GoAwayWhenDrainedAsync(responses, ct);
                continue; // acks (or the game server closing its side) wake the loop
            }
            if (_heartbeatDue)
            {
                _heartbeatDue = false;
                await responses.WriteAsync(new ConnectResponse { Heartbeat = new GameLinkHeartbeat { SentAt = Timestamp.FromDateTimeOffset(now) } }, ct);
            }
            if (_ackTimeoutCheckDue)
            {
                _ackTimeoutCheckDue = false;
                RewindIfAckTimedOut(now);
            }
            if (_leaseCheckDue)
            {
                _leaseCheckDue = false;
                if (!await _store.HoldsStreamAsync(GameServerId, SessionId, ct))
                {
                    throw Superseded();
                }
            }
            if (_commandsWaiting)
            {
                _commandsWaiting = false;
                await SendWaitingAsync(responses, now, ct);
            }
        }
    }

    private async Task GoAwayWhenDrainedAsync(IServerStreamWriter<ConnectResponse> responses, CancellationToken ct)
    {
        if (!_goAwaySent)
        {
            _goAwaySent = true;
            await responses.WriteAsync(new ConnectResponse
            {
                GoAway = new GameLinkGoAway { ReplicaId = _replicaId, Reason = "this GmTools replica is shutting down; reconnect to any replica" },
            }, ct);
        }
        lock (_inFlight)
        {
            if (_inFlight.Count > 0)
            {
                return;
            }
        }
        throw new RpcException(new Status(StatusCode.Unavailable, "this GmTools replica is shutting down; reconnect to any replica"));
    }

    private async Task SendWaitingAsync(IServerStreamWriter<ConnectResponse> responses, DateTimeOffset now, CancellationToken ct)
    {
        while (!_draining)
        {
            int room;
            lock (_inFlight)
            {
                room = _options.MaxInFlight - _inFlight.Count;
            }
            if (room <= 0)
            {
                _commandsWaiting = true; // resumes when acks make room
                return;
            }
            var want = Math.Min(room, _options.MaxBatch);
            var taken = await _store.TakeForStreamAsync(GameServerId, SessionId, _cursor, want, now, ct);
            var batch = taken.Commands;
            var readThrough = batch.Count > 0 ? batch[^1].CommandId : 0;
            if (batch.Where(c => CommandOutbox.IsWithdrawable(c.Command)).Select(c => (long?)c.CommandId).Max() is { } sentThrough)
            {
                // Withdrawable commands leave only after a durable sent mark; any withdrawn before it are dropped.
                var pending = await _store.MarkSentAsync(GameServerId, sentThrough, [.. batch.Select(c => c.CommandId)], ct);
                batch = batch.Where(c => pending.Contains(c.CommandId)).ToList();
            }
            if (taken.RowsTaken == 0)
            {
                if (taken.HeldBackFrom is { } first)
                {
                    _heldBack(this, first);
                }
                return;
            }
            lock (_inFlight)
            {
                foreach (var c in batch)
                {
                    _inFlight[c.CommandId] = now;
                    _sends[c.CommandId] = new SendMark(_sends.TryGetValue(c.CommandId, out var before) ? before.Sends + 1 : 1, now);
                }
            }
            for (var i = 0; i < batch.Count; i++)
            {
                // Buffer all but the last of a batch: one flush per batch instead of one per command.
                responses.WriteOptions = i < batch.Count - 1 ? BufferHint : null;
                await responses.WriteAsync(new ConnectResponse { Command = batch[i].Command }, ct);
            }
            if (readThrough > 0)
            {
                Interlocked.Exchange(ref _cursor, readThrough);
            }
            ThrowIfEnded();
            if (taken.HeldBackFrom is { } heldFrom)
            {
                // Everything before it is out; the rest waits for the older transaction to end.
                _heldBack(this, heldFrom);
                return;
            }
            if (taken.RowsTaken < want)
            {
                return;
            }
        }
    }

    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);

    private void RewindIfAckTimedOut(DateTimeOffset now)
    {
        lock (_inFlight)
        {
            if (_inFlight.Count == 0 || _inFlight.Values.Min() + _options.AckTimeout > now)
            {
                return;
            }
            Interlocked.Exchange(ref _cursor, _inFlight.Keys.First() - 1);
            _inFlight.Clear();
        }
        _commandsWaiting = true;
    }

    private void ThrowIfEnded()
    {
        if (_ended.Task.IsFaulted)
        {
            throw _ended.Task.Exception!.InnerException!;
        }
    }

    private RpcException Superseded() =>
        new(new Status(StatusCode.Aborted, $"a newer GameLink stream for game server '{GameServerId}' took over; this one is closed"));
}

/// <summary>An auto-reset wake-up for one waiting loop: any number of Set calls before the wait count as one.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.")]
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public Task WaitAsync(CancellationToken ct) => _semaphore.WaitAsync(ct);

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _semaphore.WaitAsync(timeout, ct);
}
