using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Console.ServerCalls;

/// <summary>
/// Runs one call to the server the way every page wants it: a deadline, and a refusal turned into a
/// <see cref="ServerError"/> the page shows instead of an exception.
/// </summary>
public sealed class ServerCall(IOptions<ConsoleOptions> options)
{
    public async Task<(T? Result, ServerError? Error)> RunAsync<T>(Func<CallOptions, Task<T>> call, CancellationToken ct = default)
        where T : class
    {
        try
        {
            // The deadline is the real clock's: tests move the app's clock, not the network's.
            var deadline = (TimeProvider.System.GetUtcNow() + options.Value.CallTimeout).UtcDateTime;
            return (await call(new CallOptions(deadline: deadline, cancellationToken: ct)), null);
        }
        catch (RpcException ex)
        {
            return (null, ServerError.From(ex));
        }
    }
}
