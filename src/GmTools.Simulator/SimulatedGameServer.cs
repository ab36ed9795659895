using System.Threading.Channels;
using GmTools.Contracts.V1;
using Grpc.Core;

namespace GmTools.Simulator;

public sealed class SimulatorOptions
{
    /// <summary>Time a command takes to apply before its ack goes out (a slow game server).</summary>
    public TimeSpan AckDelay { get; set; }

    /// <summary>Share of commands (0..1) that fail to apply and are acknowledged as failed.</summary>
    public double FailRate { get; set; }

    /// <summary>Send the high-water mark of applied ids in the hello (a game server that keeps it), or 0.</summary>
    public bool ReportLastApplied { get; set; } = true;

    /// <summary>Apply but never acknowledge (for tests of redelivery).</summary>
    public bool WithholdAcks { get; set; }

    /// <summary>Heartbeat period when the server's welcome does not say; the welcome's value wins.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int? Seed { get; set; }
}

/// <summary>
/// A game server's end of GameLink: holds the stream, applies each command id once (however often it arrives),
/// acknowledges, heartbeats, and reconnects. The console simulator, the benchmark and the tests all run this class.
/// <para>Given several replicas' addresses it holds one stream on one of them and moves to the next when that
/// one goes away (at once, after acknowledging what it applied) or fails (after a short back-off).</para>
/// </summary>
public sealed class SimulatedGameServer
{
    private readonly IReadOnlyList<GameLinkService.GameLinkServiceClient> _clients;
    private readonly Metadata? _headers;
    private readonly SimulatorOptions _options;
    private readonly Random _random;
    private readonly object _gate = new();
    // id → the ack it got; a repeat is acknowledged again the same way, never applied again.
    private readonly Dictionary<long, CommandAck> _processed = [];
    private readonly List<long> _appliedOrder = [];
    // What each player holds from mail and claw-backs applied here: the game server's side of a grant's ledger.
    private readonly Dictionary<string, Dictionary<string, long>> _holdings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _recharged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _creditsByReference = new(StringComparer.Ordinal);
    private long _highWater;
    private long _received;
    private long _duplicates;
    private long _failed;
    private long _acksSent;
    private long _sessions;
    private long _welcomes;
    private long _goAways;
    private int _replica;
    private volatile bool _wentAway;

    public SimulatedGameServer(string gameServerId, GameLinkService.GameLinkServiceClient client, SimulatorOptions? options = null, Metadata? headers = null)
        : this(gameServerId, [client], options, headers)
    {
    }

    /// <summary>A game server that knows several replicas (first one first); <paramref name="clients"/> must not be empty.</summary>
    public SimulatedGameServer(string gameServerId, IReadOnlyList<GameLinkService.GameLinkServiceClient> clients, SimulatorOptions? options = null, Metadata? headers = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(clients.Count);
        GameServerId = gameServerId;
        _clients = clients;
        _headers = headers;
        _options = options ?? new SimulatorOptions();
        _random = _options.Seed is { } seed ? new Random(seed) : new Random();
    }

    public string GameServerId { get; }

    /// <summary>Raised for every command received, with true the first time its id is seen.</summary>
    public event Action<GameCommand, bool>? CommandReceived;

    /// <summary>Raised when the server welcomes a stream (replica id, session id).</summary>
    public event Action<GameLinkWelcome>? Welcomed;

    /// <summary>Raised when the replica holding the stream says it is shutting down (the simulator then moves on at once).</summary>
    public event Action<GameLinkGoAway>? GoingAway;

    public long Received => Interlocked.Read(ref _received);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Failed => Interlocked.Read(ref _failed);
    public long AcksSent => Interlocked.Read(ref _acksSent);
    public long Sessions => Interlocked.Read(ref _sessions);

    /// <summary>Streams the server accepted (welcomed).</summary>
    public long Welcomes => Interlocked.Read(ref _welcomes);

    /// <summary>Go-aways received from stopping replicas.</summary>
    public long GoAways => Interlocked.Read(ref _goAways);

    public long Applied
    {
        get
        {
            lock (_gate)
            {
                return _appliedOrder.Count;
            }
        }
    }

    public long HighWater
    {
        get
        {
            lock (_gate)
            {
                return _highWater;
            }
        }
    }

    /// <summary>Command ids in the order they were first applied.</summary>
    public long[] AppliedOrder()
    {
        lock (_gate)
        {
            return [.. _appliedOrder];
        }
    }

    /// <summary>What the player holds from applied mail minus applied claw-backs, per item (zero counts left out).</summary>
    public Dictionary<string, long> Holdings(string playerId)
    {
        lock (_gate)
        {
            return _holdings.TryGetValue(playerId, out var items)
                ? items.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
                : new Dictionary<string, long>(StringComparer.Ordinal);
        }
    }

    /// <summary>What applied CreditRecharge commands added to the player's recharges (smallest currency unit).</summary>
    public long Recharged(string playerId)
    {
        lock (_gate)
        {
            return _recharged.GetValueOrDefault(playerId);
        }
    }

    /// <summary>How many CreditRecharge commands for this payment reference were applied (a real game server would refuse a second).</summary>
    public int CreditsFor(string paymentReference)
    {
        lock (_gate)
        {
            return _creditsByReference.GetValueOrDefault(paymentReference);
        }
    }

    public bool HasProcessed(long commandId)
    {
        lock (_gate)
        {
            return _processed.ContainsKey(commandId);
        }
    }

    /// <summary>Holds a stream, reconnecting after each end, until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            var status = await RunSessionAsync(ct);
            if (ct.IsCancellationRequested)
            {
                return;
            }
            if (status.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
            {
                throw new RpcException(status);
            }
            if (status.StatusCode != StatusCode.Aborted)
            {
                // This replica went away or failed: the next one (superseded means another stream holds the link).
                _replica = (_replica + 1) % _clients.Count;
            }
            if (_wentAway)
            {
                backoff = TimeSpan.FromMilliseconds(100);
                continue; // told to go: reconnect at once
            }
            try
            {
                await Task.Delay(backoff, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = status.StatusCode == StatusCode.Aborted ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(Math.Min(2000, backoff.TotalMilliseconds * 2));
        }
    }

    /// <summary>One stream from hello to its end; returns how it ended (Cancelled when <paramref name="ct"/> fired).</summary>
    public async Task<Status> RunSessionAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _sessions);
        _wentAway = false;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = _clients[_replica].Connect(_headers, cancellationToken: cts.Token);
        var writeLock = new SemaphoreSlim(1, 1);
        var acks = Channel.CreateUnbounded<CommandAck>(new UnboundedChannelOptions { SingleReader = true });
        var lastHeard = Environment.TickCount64;
        var heartbeat = _options.HeartbeatInterval;
        Task? sendAcks = null;
        Task? background = null;
        try
        {
            await call.RequestStream.WriteAsync(new ConnectRequest
            {
                Hello = new GameLinkHello { GameServerId = GameServerId, LastAppliedCommandId = _options.ReportLastApplied ? HighWater : 0 },
            }, cts.Token);
            await foreach (var message in call.ResponseStream.ReadAllAsync(cts.Token))
            {
                Interlocked.Exchange(ref lastHeard, Environment.TickCount64);
                switch (message.MessageCase)
                {
                    case ConnectResponse.MessageOneofCase.Welcome:
                        if (message.Welcome.HeartbeatInterval is { } hb && hb.ToTimeSpan() > TimeSpan.Zero)
                        {
                            heartbeat = hb.ToTimeSpan();
                        }
                        Interlocked.Increment(ref _welcomes);
                        Welcomed?.Invoke(message.Welcome);
                        sendAcks ??= SendAcksAsync(call.RequestStream, writeLock, acks.Reader, cts.Token);
                        background ??= Task.WhenAll(sendAcks, HeartbeatAsync(call.RequestStream, writeLock, heartbeat, () => Interlocked.Read(ref lastHeard), cts, cts.Token));
                        break;
                    case ConnectResponse.MessageOneofCase.GoAway:
                        Interlocked.Increment(ref _goAways);
                        _wentAway = true;
                        GoingAway?.Invoke(message.GoAway);
                        await FlushAcksAsync(acks.Writer, sendAcks);
                        return new Status(StatusCode.Unavailable, "the replica went away: " + message.GoAway.Reason);
                    case ConnectResponse.MessageOneofCase.Command:
                        var ack = await ApplyAsync(message.Command, cts.Token);
                        if (ack is not null && !_options.WithholdAcks)
                        {
                            acks.Writer.TryWrite(ack);
                        }
                        break;
                }
            }
            return Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            return ct.IsCancellationRequested ? Status.DefaultCancelled : ex.Status;
        }
        catch (OperationCanceledException)
        {
            return ct.IsCancellationRequested ? Status.DefaultCancelled : new Status(StatusCode.Unavailable, "no heartbeat from the server");
        }
        finally
        {
            await cts.CancelAsync();
            if (background is not null)
            {
                try
                {
                    await background;
                }
                catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
                {
                }
            }
        }
    }

    /// <summary>The acks of everything applied go out on the old stream before the next one opens (bounded: the hello covers the rest).</summary>
    private static async Task FlushAcksAsync(ChannelWriter<CommandAck> acks, Task? sendAcks)
    {
        acks.TryComplete();
        if (sendAcks is null)
        {
            return;
        }
        try
        {
            await sendAcks.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or RpcException or InvalidOperationException)
        {
        }
    }

    /// <summary>Pull mode: one pull, apply, ack. Returns how many commands came.</summary>
    public async Task<int> PullOnceAsync(int max, CancellationToken ct)
    {
        var pulled = await _clients[_replica].PullCommandsAsync(new PullCommandsRequest
        {
            GameServerId = GameServerId,
            MaxCommands = max,
            LastAppliedCommandId = _options.ReportLastApplied ? HighWater : 0,
        }, _headers, cancellationToken: ct);
        var acks = new AckCommandsRequest { GameServerId = GameServerId };
        foreach (var command in pulled.Commands)
        {
            if (await ApplyAsync(command, ct) is { } ack)
            {
                acks.Acks.Add(ack);
            }
        }
        if (acks.Acks.Count > 0 && !_options.WithholdAcks)
        {
            await _clients[_replica].AckCommandsAsync(acks, _headers, cancellationToken: ct);
            Interlocked.Add(ref _acksSent, acks.Acks.Count);
        }
        return pulled.Commands.Count;
    }

    private async Task<CommandAck?> ApplyAsync(GameCommand command, CancellationToken ct)
    {
        Interlocked.Increment(ref _received);
        CommandAck? ack;
        bool first;
        lock (_gate)
        {
            first = !_processed.TryGetValue(command.CommandId, out ack);
        }
        CommandReceived?.Invoke(command, first);
        if (!first)
        {
            Interlocked.Increment(ref _duplicates);
            return ack;
        }
        if (_options.AckDelay > TimeSpan.Zero)
        {
            await Task.Delay(_options.AckDelay, ct);
        }
        bool fail;
        lock (_random)
        {
            fail = _options.FailRate > 0 && _random.NextDouble() < _options.FailRate;
        }
        ack = fail
            ? new CommandAck { CommandId = command.CommandId, Success = false, FailureReason = "simulated failure" }
            : new CommandAck { CommandId = command.CommandId, Success = true };
        lock (_gate)
        {
            _processed[command.CommandId] = ack;
            _appliedOrder.Add(command.CommandId);
            _highWater = Math.Max(_highWater, command.CommandId);
            if (!fail)
            {
                Book(command);
            }
        }
        if (fail)
        {
            Interlocked.Increment(ref _failed);
        }
        return ack;
    }

    private void Book(GameCommand command)
    {
        if (command.BodyCase == GameCommand.BodyOneofCase.CreditRecharge)
        {
            var credit = command.CreditRecharge;
            _recharged[credit.PlayerId] = _recharged.GetValueOrDefault(credit.PlayerId) + credit.Amount;
            _creditsByReference[credit.PaymentReference] = _creditsByReference.GetValueOrDefault(credit.PaymentReference) + 1;
            return;
        }
        var (player, lines, sign) = command.BodyCase switch
        {
            GameCommand.BodyOneofCase.MailReward => (command.MailReward.PlayerId, command.MailReward.Lines, 1),
            GameCommand.BodyOneofCase.ClawBack => (command.ClawBack.PlayerId, command.ClawBack.Lines, -1),
            _ => ("", null, 0),
        };
        if (lines is null)
        {
            return;
        }
        if (!_holdings.TryGetValue(player, out var items))
        {
            _holdings[player] = items = new Dictionary<string, long>(StringComparer.Ordinal);
        }
        foreach (var line in lines)
        {
            items[line.ItemId] = items.GetValueOrDefault(line.ItemId) + (sign * line.Count);
        }
    }

    private async Task SendAcksAsync(IClientStreamWriter<ConnectRequest> stream, SemaphoreSlim writeLock, ChannelReader<CommandAck> acks, CancellationToken ct)
    {
        while (await acks.WaitToReadAsync(ct))
        {
            var message = new CommandAcks();
            while (message.Acks.Count < 2048 && acks.TryRead(out var ack))
            {
                message.Acks.Add(ack);
            }
            await writeLock.WaitAsync(ct);
            try
            {
                await stream.WriteAsync(new ConnectRequest { Acks = message }, ct);
            }
            finally
            {
                writeLock.Release();
            }
            Interlocked.Add(ref _acksSent, message.Acks.Count);
        }
    }

    private static async Task HeartbeatAsync(IClientStreamWriter<ConnectRequest> stream, SemaphoreSlim writeLock, TimeSpan every, Func<long> lastHeard, CancellationTokenSource session, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(ct))
        {
            // The server heartbeats too: silence for three periods means the link is dead; drop it and reconnect.
            if (Environment.TickCount64 - lastHeard() > every.TotalMilliseconds * 3)
            {
                await session.CancelAsync();
                return;
            }
            await writeLock.WaitAsync(ct);
            try
            {
                await stream.WriteAsync(new ConnectRequest { Heartbeat = new GameLinkHeartbeat { SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow) } }, ct);
            }
            finally
            {
                writeLock.Release();
            }
        }
    }
}
