using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmTools.Server.Security;

/// <summary>
/// The gate in front of every RPC: who is calling, may they call this method, are they within their rate,
/// and no exception detail ever reaches the caller. Methods without a <see cref="RequiresPermissionAttribute"/>
/// are refused (deny by default); only the health and reflection services are open.
/// </summary>
public sealed class AccessInterceptor(
    RequestContext requestContext,
    CallerRateLimiter rateLimiter,
    AuditWriter audit,
    ILogger<AccessInterceptor> logger) : Interceptor
{
    public const string RequestIdHeader = "x-request-id";

    private static readonly string[] OpenServices = ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"];

    public static bool IsOpenService(string serviceName) => OpenServices.Contains(serviceName, StringComparer.Ordinal);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(request, responseStream, context); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(requestStream, responseStream, context); return true; });

    private async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var http = context.GetHttpContext();
        var requestId = context.RequestHeaders.GetValue(RequestIdHeader);
        requestContext.RequestId = string.IsNullOrWhiteSpace(requestId) || requestId.Length > 64 ? Guid.NewGuid().ToString("N") : requestId;
        var metadata = http.GetEndpoint()?.Metadata;
        var method = metadata?.GetMetadata<GrpcMethodMetadata>()?.Method;
        var open = method is not null && IsOpenService(method.ServiceName);
        Caller? caller = null;
        if (!open)
        {
            var required = metadata?.GetMetadata<RequiresPermissionAttribute>();
            caller = Caller.FromPrincipal(http.User);
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
            if (!caller.Holds(required.Permission))
            {
                await audit.AppendDeniedAsync(context.Method, required.Permission, context.CancellationToken);
                throw GrpcErrors.PermissionDenied($"permission '{required.Permission}' is required");
            }
            if (!rateLimiter.TryAcquire(caller))
            {
                throw GrpcErrors.ResourceExhausted("rate limit exceeded; slow down and retry later");
            }
        }

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = requestContext.RequestId, ["Actor"] = caller?.Id });
        try
        {
            return await call();
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
            logger.LogError(ex, "RPC {Method} failed", context.Method);
            throw GrpcErrors.Internal(requestContext.RequestId);
        }
    }
}
