using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmTools.Server.Telemetry;

/// <summary>
/// The outermost interceptor: times every call and records it with the status the caller received, refusals of the
/// access gate and the edge guard included (they run inside it). A stream is recorded once, when it ends.
/// </summary>
public sealed class RpcMetricsInterceptor(ServerMetrics metrics) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Timed(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Timed(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Timed(context, async () => { await continuation(request, responseStream, context); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Timed(context, async () => { await continuation(requestStream, responseStream, context); return true; });

    private async Task<T> Timed<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            Served(context, started, null);
            return result;
        }
        catch (Exception ex)
        {
            Served(context, started, ex);
            throw;
        }
    }

    private void Served(ServerCallContext context, long started, Exception? failure)
    {
        var status = failure switch
        {
            null => context.Status.StatusCode,
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
            _ => StatusCode.Unknown,
        };
        metrics.RpcServed(context.Method, status, Stopwatch.GetElapsedTime(started));
    }
}
