using GmTools.Contracts.V1;
using Grpc.Core;

namespace GmTools.Bench.Load;

/// <summary>
/// The echo baseline: a minimal gRPC host with nothing but the Echo RPC — no authentication, database, cache or
/// interceptors — on a real loopback socket (HTTP/2 cleartext), so every path's figure can be read as a share of
/// what gRPC itself does on this machine in this run.
/// </summary>
public sealed class BareEchoHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareEchoHost(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<BareEchoHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<BareEcho>();
        await app.StartAsync();
        var address = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new BareEchoHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class BareEcho : DiagnosticsService.DiagnosticsServiceBase
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoResponse { Payload = request.Payload });
    }
}
