using System.Threading.Channels;
using GmTools.Server.Infrastructure.Redis;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ContractLine = GmTools.Contracts.V1.ChatLine;

namespace GmTools.Server.ChatWatch;

/// <summary>What a GM's live view shows: one game server, optionally one channel, one player, flagged lines only.</summary>
public sealed record WatchFilter(string GameServerId, string? Channel, string? PlayerId, bool FlaggedOnly)
{
    public bool Admits(ContractLine line) =>
        line.GameServerId == GameServerId
        && (Channel is null || ChatContracts.ChannelName(line.Channel) == Channel)
        && (PlayerId is null || line.SenderPlayerId == PlayerId)
        && (!FlaggedOnly || line.Matches.Count > 0);
}

/// <summary>
/// Fans ingested lines out to the GMs watching on this replica. Every replica publishes each scored batch on one
/// Redis channel (in the same pipelined round trip as the rest of the live state) and every replica hands what it
/// hears to its local watchers, so a GM sees the lines whichever replica ingested them. Without Redis a replica
/// still shows its watchers the lines it ingested itself. A watcher that falls behind loses its oldest lines, never
/// slows ingestion down.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Not disposed on purpose: a CancellationTokenSource without timers holds nothing, and the host may call StopAsync after disposing services.")]
public sealed class ChatLiveFeed(RedisConnection redis, IOptionsMonitor<ChatWatchOptions> options, ILogger<ChatLiveFeed> logger) : IHostedService
{
    private static readonly TimeSpan SubscribeRetry = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(WatchFilter Filter, Channel<ContractLine> Lines)> _watchers = [];

    public int Watchers
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>One message of a batch's lines, each already serialized, length-delimited (what <see cref="Unpack"/> reads).</summary>
    public static byte[] Pack(IReadOnlyList<byte[]> lines)
    {
        using var ms = new MemoryStream(lines.Sum(l => l.Length + 3));
        using (var output = new CodedOutputStream(ms, true))
        {
            foreach (var l in lines)
            {
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(l));
            }
        }
        return ms.ToArray();
    }

    public static List<ContractLine> Unpack(byte[] payload)
    {
        var lines = new List<ContractLine>();
        using var ms = new MemoryStream(payload);
        while (ms.Position < ms.Length)
        {
            lines.Add(ContractLine.Parser.ParseDelimitedFrom(ms));
        }
        return lines;
    }

    /// <summary>A new watcher; dispose the subscription to leave.</summary>
    public WatchSubscription Watch(WatchFilter filter)
    {
        var channel = Channel.CreateBounded<ContractLine>(new BoundedChannelOptions(options.CurrentValue.WatchBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _watchers.Add((filter, channel));
        }
        return new WatchSubscription(channel.Reader, () =>
        {
            lock (_gate)
            {
                _watchers.RemoveAll(w => w.Lines == channel);
            }
        });
    }

    /// <summary>Lines this replica ingested but could not publish (Redis away): shown to its own watchers.</summary>
    public void DeliverLocally(IReadOnlyList<ContractLine> lines) => Deliver(lines);

    private void Deliver(IReadOnlyList<ContractLine> lines)
    {
        lock (_gate)
        {
            foreach (var (filter, channel) in _watchers)
            {
                foreach (var line in lines)
                {
                    if (filter.Admits(line))
                    {
                        channel.Writer.TryWrite(line);
                    }
                }
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await TrySubscribeAsync())
        {
            // SE.Redis re-subscribes on reconnect only what it subscribed once: a replica that started without Redis
            // keeps trying, so its watchers see other replicas' lines as soon as Redis is there.
            _ = RetrySubscribeAsync(_stopping.Token);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            var queue = await redis.Subscriber.SubscribeAsync(redis.Channel(LiveChannelName));
            queue.OnMessage(m =>
            {
                if (Watchers > 0)
                {
                    Deliver(Unpack((byte[])m.Message!));
                }
            });
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Chat live feed could not subscribe yet; watchers see this replica's lines only until it does");
            return false;
        }
    }

    // Network retry pacing, in real time on purpose: it is about Redis coming back, not about business time.
    private async Task RetrySubscribeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SubscribeRetry, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (await TrySubscribeAsync())
            {
                logger.LogInformation("Chat live feed subscribed after Redis came back");
                return;
            }
        }
    }

    private const string LiveChannelName = ChatLiveState.LiveChannel;
}

public sealed class WatchSubscription(ChannelReader<ContractLine> reader, Action leave) : IDisposable
{
    public ChannelReader<ContractLine> Lines { get; } = reader;

    public void Dispose() => leave();
}
