using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.GameLink;

/// <summary>
/// Delivery bookkeeping (acks, pulls) is not audited: the outbox row itself is the delivery record, and an audit
/// line per acknowledged command would cost more than the delivery.
/// </summary>
public sealed class GameLinkGrpcService(
    GameLinkHub hub,
    OutboxStore store,
    RequestContext request,
    IOptions<GameLinkOptions> options,
    TimeProvider time,
    IEnumerable<IGameLinkConnectContributor> onConnect,
    ILogger<GameLinkGrpcService> logger) : GameLinkService.GameLinkServiceBase
{
    public const int MaxAcksPerCall = 10_000;

    [RequiresPermission(Permissions.GameLinkConnect)]
    public override async Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
    {
        var o = options.Value;
        GameLinkHello hello;
        using (var helloWait = new CancellationTokenSource(o.DeadAfter, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(helloWait.Token, context.CancellationToken))
        {
            try
            {
                if (!await requestStream.MoveNext(linked.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (helloWait.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "no hello within the heartbeat deadline"));
            }
            if (requestStream.Current.MessageCase != ConnectRequest.MessageOneofCase.Hello)
            {
                throw GrpcErrors.InvalidArgument("hello", "the first message must be a hello");
            }
            hello = requestStream.Current.Hello;
        }
        new Violations().CheckGameServerId("hello.game_server_id", hello.GameServerId).ThrowIfAny();
        request.Caller.EnsureIsGameServer(hello.GameServerId);

        var session = hub.NewSession(hello.GameServerId);
        await store.ClaimStreamAsync(session.GameServerId, session.SessionId, hub.ReplicaId, hello.LastAppliedCommandId, time.GetUtcNow(), context.CancellationToken);
        await ContributeOnConnectAsync(session.GameServerId, hello.LastAppliedCommandId, context.CancellationToken);
        hub.Register(session);
        hub.AnnounceTakeover(session.GameServerId, session.SessionId);
        logger.LogInformation("GameLink stream for {GameServerId} opened (session {SessionId})", session.GameServerId, session.SessionId);
        try
        {
            await session.RunAsync(requestStream, responseStream, context.CancellationToken);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            logger.LogWarning(ex, "GameLink stream for {GameServerId} lost PostgreSQL", session.GameServerId);
            throw new RpcException(new Status(StatusCode.Unavailable, "the outbox is unreachable right now; reconnect"));
        }
        finally
        {
            try
            {
                using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await session.RecordUnsettledSendsAsync(release.Token);
                await store.ReleaseAsync(session.GameServerId, session.SessionId, time.GetUtcNow(), release.Token);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or OperationCanceledException or ObjectDisposedException)
            {
                // The lease goes stale on its own (also when the replica is shutting down under the stream).
                logger.LogDebug(ex, "GameLink lease of {GameServerId} not released", session.GameServerId);
            }
            finally
            {
                // After the release: a draining replica waits for it before it stops.
                hub.Unregister(session);
            }
            logger.LogInformation("GameLink stream for {GameServerId} closed (session {SessionId})", session.GameServerId, session.SessionId);
        }
    }

    /// <summary>
    /// Lets each capability enqueue what a freshly connected game server should have (before the session's first
    /// read, so it goes out on this stream). A contributor that fails costs that capability's resend, not the stream:
    /// the capability's own read RPC remains the game server's fallback.
    /// </summary>
    private async Task ContributeOnConnectAsync(string gameServerId, long lastApplied, CancellationToken ct)
    {
        foreach (var contributor in onConnect)
        {
            try
            {
                await contributor.OnStreamOpenedAsync(gameServerId, lastApplied, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "GameLink on-connect contributor {Contributor} failed for {GameServerId}", contributor.GetType().Name, gameServerId);
            }
        }
    }

    [RequiresPermission(Permissions.GameLinkConnect)]
    public override async Task<PullCommandsResponse> PullCommands(PullCommandsRequest r, ServerCallContext context)
    {
        var o = options.Value;
        var violations = new Violations().CheckGameServerId("game_server_id", r.GameServerId);
        if (r.MaxCommands is < 0 or > 1000)
        {
            violations.Add("max_commands", "must be 0..1000");
        }
        violations.ThrowIfAny();
        request.Caller.EnsureIsGameServer(r.GameServerId);
        var max = r.MaxCommands == 0 ? o.MaxBatch : r.MaxCommands;
        var taken = await store.PullAsync(r.GameServerId, max, r.LastAppliedCommandId, o.AckTimeout, time.GetUtcNow(), context.CancellationToken);
        var response = new PullCommandsResponse();
        response.Commands.AddRange(taken.Commands.Select(c => c.Command));
        return response;
    }

    [RequiresPermission(Permissions.GameLinkConnect)]
    public override async Task<AckCommandsResponse> AckCommands(AckCommandsRequest r, ServerCallContext context)
    {
        var violations = new Violations().CheckGameServerId("game_server_id", r.GameServerId);
        if (r.Acks.Count > MaxAcksPerCall)
        {
            violations.Add("acks", $"at most {MaxAcksPerCall} per call");
        }
        for (var i = 0; i < r.Acks.Count; i++)
        {
            if (r.Acks[i].CommandId <= 0)
            {
                violations.Add($"acks[{i}].command_id", "must be positive");
            }
            violations.MaxLength($"acks[{i}].failure_reason", r.Acks[i].FailureReason, GameLinkLimits.FailureReason);
        }
        violations.ThrowIfAny();
        request.Caller.EnsureIsGameServer(r.GameServerId);
        var settled = await store.SettleAsync(r.GameServerId, r.Acks, time.GetUtcNow(), null, context.CancellationToken);
        if (settled.Compensations > 0)
        {
            hub.CommandsCommitted([r.GameServerId]);
        }
        return new AckCommandsResponse { Settled = settled.Settled };
    }

    [RequiresPermission(Permissions.GameLinkRead)]
    public override async Task<ListGameLinksResponse> ListGameLinks(ListGameLinksRequest r, ServerCallContext context)
    {
        var now = time.GetUtcNow();
        var staleAfter = options.Value.LeaseStaleAfter;
        var response = new ListGameLinksResponse();
        foreach (var row in await store.ListLinksAsync(now, context.CancellationToken))
        {
            if (!request.Caller.SeesGameServer(row.GameServerId))
            {
                continue;
            }
            var streaming = row.SessionId is not null && row.DisconnectedAt is null && row.LastSeenAt >= now - staleAfter;
            var pulling = row.LastPullAt >= now - staleAfter;
            var mode = streaming ? GameLinkMode.Stream : pulling ? GameLinkMode.Pull : GameLinkMode.Disconnected;
            if (r.ConnectedOnly && mode == GameLinkMode.Disconnected)
            {
                continue;
            }
            response.Links.Add(new Contracts.V1.GameLink
            {
                GameServerId = row.GameServerId,
                Mode = mode,
                ReplicaId = streaming ? row.ReplicaId ?? "" : "",
                ConnectedAt = streaming && row.ConnectedAt is { } c ? Timestamp.FromDateTimeOffset(c) : null,
                LastSeenAt = Latest(streaming ? row.LastSeenAt : null, row.LastPullAt) is { } seen ? Timestamp.FromDateTimeOffset(seen) : null,
                LastAckAt = row.LastAckAt is { } a ? Timestamp.FromDateTimeOffset(a) : null,
                Backlog = row.Backlog,
                OldestPendingAge = Duration.FromTimeSpan(row.OldestPending is { } oldest && oldest < now ? now - oldest : TimeSpan.Zero),
            });
        }
        return response;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
