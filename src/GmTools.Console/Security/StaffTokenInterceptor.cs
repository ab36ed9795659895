using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmTools.Console.Security;

/// <summary>
/// Puts the circuit's staff token on every call. Registered per client (InterceptorScope.Client), so it is
/// resolved from the circuit's scope and sees that staff member's <see cref="StaffSession"/>.
/// </summary>
public sealed class StaffTokenInterceptor(StaffSession session) : Interceptor
{
    public const string RequestIdHeader = "x-request-id";

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context));

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var headers = context.Options.Headers ?? [];
        if (session.Token.Length > 0 && headers.Get("authorization") is null)
        {
            headers.Add("authorization", "Bearer " + session.Token);
        }
        if (headers.Get(RequestIdHeader) is null)
        {
            headers.Add(RequestIdHeader, "console-" + Guid.NewGuid().ToString("N"));
        }
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
