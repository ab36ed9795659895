using System.Diagnostics;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmTools.Server.Security;

/// <summary>
/// The gate in front of every RPC: who is calling, may they call this method, are they within their rate,
/// and no exception detail ever reaches the caller. Methods without a <see cref="RequiresPermissionAttribute"/>
/// are refused (deny by default); only the health and reflection services are open.
/// <para>Failures of the stores are answered as what they are (<see cref="StoreFailures"/>): PostgreSQL or Redis
/// gone is UNAVAILABLE; a unary call that lost a deadlock, a serialization check or a unique-key race is run again
/// here, a bounded number of times, on a cleared DbContext (its transaction rolled back, so nothing of the lost
/// attempt remains), and only then answered ABORTED or ALREADY_EXISTS. Streams are never re-run.</para>
/// </summary>
public sealed class AccessInterceptor(
    RequestContext requestContext,
    CallerRateLimiter rateLimiter,
    AccessDenials denials,
    ILogger<AccessInterceptor> logger) : Interceptor
{
    public const string RequestIdHeader = "x-request-id";

    private static readonly string[] OpenServices = ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"];

    public static bool IsOpenService(string serviceName) => OpenServices.Contains(serviceName, StringComparer.Ordinal);

    /// <summary>Runs of one unary call at most: the first and two more after lost races.</summary>
    public const int MaxAttempts = 3;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(request, context), rerunnable: true);

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(requestStream, context), rerunnable: false);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(request, responseStream, context); return true; }, rerunnable: false);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(requestStream, responseStream, context); return true; }, rerunnable: false);

    private async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> call, bool rerunnable)
    {
        var http = context.GetHttpContext();
        var requestId = context.RequestHeaders.GetValue(RequestIdHeader);
        requestContext.RequestId = string.IsNullOrWhiteSpace(requestId) || requestId.Length > 64 ? Guid.NewGuid().ToString("N") : requestId;
        var metadata = http.GetEndpoint()?.Metadata;
        var method = metadata?.GetMetadata<GrpcMethodMetadata>()?.Method;
        var open = method is not null && IsOpenService(method.ServiceName);
        Caller? caller = null;
        string? permission = null;
        if (!open)
        {
            var required = metadata?.GetMetadata<RequiresPermissionAttribute>();
            caller = Caller.FromPrincipal(http.User);
            if (caller is null && http.Items.ContainsKey(GameServerAuthenticationHandler.ThrottledItem))
            {
                throw GrpcErrors.ResourceExhausted("too many failed authentications from this source; retry later");
            }
            if (caller is null)
            {
                throw GrpcErrors.Unauthenticated("a valid staff token or game-server credential is required");
            }
            requestContext.Caller = caller;
            if (required is null)
            {
                logger.LogError("RPC {Method} declares no permission and was refused", context.Method);
                throw GrpcErrors.PermissionDenied($"{context.Method} declares no permission");
            }
            // Refused calls count against the caller's rate too, and before anything is written: a loop on a
            // forbidden call is throttled like any other loop.
            if (!rateLimiter.TryAcquire(caller))
            {
                throw GrpcErrors.ResourceExhausted("rate limit exceeded; slow down and retry later");
            }
            if (!caller.Holds(required.Permission))
            {
                try
                {
                    await denials.RecordAsync(caller, requestContext.RequestId, context.Method, required.Permission, "role", context.CancellationToken);
                }
                catch (Exception ex) when (StoreFailures.Classify(ex) == StoreFailure.Unavailable)
                {
                    throw Unavailable(ex, context);
                }
                throw GrpcErrors.PermissionDenied($"permission '{required.Permission}' is required");
            }
            permission = required.Permission;
        }

        // Every log line of the call carries who and which request (structured: a JSON console or OTLP shows them
        // as fields), and so does the call's span.
        using var scope = logger.BeginScope(new CallScope(requestContext.RequestId, caller?.Id, context.Method));
        Activity.Current?.SetTag("gmtools.request_id", requestContext.RequestId).SetTag("enduser.id", caller?.Id);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied && caller is not null && permission is not null)
            {
                // An object-level refusal (scope, four eyes): recorded as compactly as a role refusal.
                await ResetAsync(http.RequestServices);
                await denials.TryRecordAsync(caller, requestContext.RequestId, context.Method, permission, "object");
                throw;
            }
            catch (RpcException)
            {
                throw;
            }
            catch (Exception ex) when (context.CancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                // The caller went away (cancelled, or a game server reset its stream): nothing failed on our side.
                logger.LogDebug(ex, "RPC {Method} ended by the caller", context.Method);
                throw new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            }
            catch (Exception ex)
            {
                var failure = StoreFailures.Classify(ex);
                if (failure is StoreFailure.Conflict or StoreFailure.UniqueRace && rerunnable && attempt < MaxAttempts)
                {
                    logger.LogDebug(ex, "RPC {Method} lost a race ({Failure}); running it again (attempt {Attempt})", context.Method, failure, attempt + 1);
                    await ResetAsync(http.RequestServices);
                    // Real time on purpose: this spreads racing transactions apart; it is not business time.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * attempt), context.CancellationToken);
                    continue;
                }
                throw failure switch
                {
                    StoreFailure.Unavailable => Unavailable(ex, context),
                    StoreFailure.Conflict => Logged(ex, context, new RpcException(new Status(StatusCode.Aborted, "the change lost a race with a concurrent one several times; retry"))),
                    StoreFailure.UniqueRace => Logged(ex, context, GrpcErrors.AlreadyExists("a record with the same identity was created concurrently")),
                    _ => Logged(ex, context, GrpcErrors.Internal(requestContext.RequestId), LogLevel.Error),
                };
            }
        }
    }

    /// <summary>
    /// The call's log scope: RequestId, Actor, Method as structured fields (what a JSON console or OTLP reads), in one
    /// small object rather than a dictionary a call.
    /// </summary>
    private sealed class CallScope(string requestId, string? actor, string method) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 3;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 => new("Actor", actor),
            2 => new("Method", method),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId} Actor:{actor} Method:{method}";
    }

    private RpcException Unavailable(Exception ex, ServerCallContext context) =>
        Logged(ex, context, new RpcException(new Status(StatusCode.Unavailable, "a store this call needs (PostgreSQL or Redis) is unreachable right now; retry later")));

    private RpcException Logged(Exception ex, ServerCallContext context, RpcException answer, LogLevel level = LogLevel.Warning)
    {
        logger.Log(level, ex, "RPC {Method} failed: answered {Status}", context.Method, answer.StatusCode);
        return answer;
    }

    /// <summary>What a lost attempt leaves in the request's DbContext goes, so the next attempt starts clean.</summary>
    private static async Task ResetAsync(IServiceProvider requestServices)
    {
        if (requestServices.GetService<GmToolsDbContext>() is not { } db)
        {
            return;
        }
        if (db.Database.CurrentTransaction is { } open)
        {
            try
            {
                await open.RollbackAsync();
            }
            catch (Exception ex) when (StoreFailures.Classify(ex) != StoreFailure.None || ex is InvalidOperationException)
            {
                // the connection broke with the transaction; disposing it below is all that is left to do
            }
            await open.DisposeAsync();
        }
        db.ChangeTracker.Clear();
    }
}
