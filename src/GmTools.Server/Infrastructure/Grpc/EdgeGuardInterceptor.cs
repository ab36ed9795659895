using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Refuses, before any handler runs, a request with a string that holds a NUL character or exceeds
/// <see cref="GrpcLimitsOptions.MaxStringLength"/>, or a Timestamp / Duration no handler can convert
/// (<see cref="RequestTimes"/>): INVALID_ARGUMENT naming each bad field path. Every
/// message a client streams in is checked as it is read. Runs after the access gate, so an unknown caller
/// still learns only that it is unauthenticated.
/// </summary>
public sealed class EdgeGuardInterceptor(IOptions<GrpcLimitsOptions> options) : Interceptor
{
    private int MaxLength => options.Value.MaxStringLength;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(request, MaxLength);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(request, MaxLength);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new GuardedReader<TRequest>(requestStream, MaxLength), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new GuardedReader<TRequest>(requestStream, MaxLength), responseStream, context);

    private static void Refuse<T>(T request, int maxLength)
    {
        if (request is IMessage message)
        {
            var violations = new Violations();
            var clean = RequestStrings.Check(message, maxLength, violations);
            if (!RequestTimes.Check(message, violations) || !clean)
            {
                violations.ThrowIfAny();
            }
        }
    }

    private sealed class GuardedReader<T>(IAsyncStreamReader<T> inner, int maxLength) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }
            Refuse(inner.Current, maxLength);
            return true;
        }
    }
}
