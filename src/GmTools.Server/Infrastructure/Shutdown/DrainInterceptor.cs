using GmTools.Contracts.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmTools.Server.Infrastructure.Shutdown;

/// <summary>
/// The first interceptor: while the replica drains (<see cref="ReplicaDrain"/>) every new call but the health
/// check is refused with UNAVAILABLE, which clients retry (through a proxy, on another replica). A server stream
/// already open (a console watching chat or a campaign, a game server streaming its chat in) is ended with
/// UNAVAILABLE when the drain begins, so the client reconnects elsewhere instead of being cut when the process
/// exits; GameLink's Connect is left to drain itself (it says "go away" first and waits for the acks).
/// </summary>
public sealed class DrainInterceptor(ReplicaDrain drain) : Interceptor
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";
    private static readonly string GameLinkConnect = $"/{GameLinkService.Descriptor.FullName}/Connect";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return EndOnDrainAsync(context, c => continuation(request, responseStream, c));
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return EndOnDrainAsync(context, c => continuation(requestStream, responseStream, c));
    }

    private void Refuse(ServerCallContext context)
    {
        if (drain.IsDraining && !context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            throw ShuttingDown();
        }
    }

    private async Task EndOnDrainAsync(ServerCallContext context, Func<ServerCallContext, Task> call)
    {
        if (context.Method == GameLinkConnect || context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            await call(context);
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, drain.Draining);
        try
        {
            await call(new DrainingCallContext(context, linked.Token));
            if (drain.IsDraining && !context.CancellationToken.IsCancellationRequested)
            {
                throw ShuttingDown(); // the handler took the drain for its client leaving and returned: say what it was
            }
        }
        catch (Exception ex) when (drain.IsDraining && !context.CancellationToken.IsCancellationRequested
                                   && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            throw ShuttingDown();
        }
    }

    private static RpcException ShuttingDown() =>
        new(new Status(StatusCode.Unavailable, "this GmTools replica is shutting down; retry (another replica answers)"));

    /// <summary>The call's context with a token that also fires when the drain begins; everything else is the call's own.</summary>
    private sealed class DrainingCallContext : ServerCallContext
    {
        // Where GetHttpContext() looks on a context that ASP.NET Core did not create (Grpc.AspNetCore's own key).
        private const string HttpContextKey = "__HttpContext";
        private readonly ServerCallContext _inner;
        private readonly CancellationToken _token;

        public DrainingCallContext(ServerCallContext inner, CancellationToken token)
        {
            _inner = inner;
            _token = token;
            inner.UserState[HttpContextKey] = inner.GetHttpContext();
        }

        protected override string MethodCore => _inner.Method;

        protected override string HostCore => _inner.Host;

        protected override string PeerCore => _inner.Peer;

        protected override DateTime DeadlineCore => _inner.Deadline;

        protected override Metadata RequestHeadersCore => _inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => _token;

        protected override Metadata ResponseTrailersCore => _inner.ResponseTrailers;

        protected override Status StatusCore
        {
            get => _inner.Status;
            set => _inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => _inner.WriteOptions;
            set => _inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => _inner.AuthContext;

        protected override IDictionary<object, object> UserStateCore => _inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => _inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => _inner.WriteResponseHeadersAsync(responseHeaders);
    }
}
