using GmTools.Contracts.V1;
using GmTools.Server.Security;
using Grpc.Core;

namespace GmTools.Server.Diagnostics;

/// <summary>The benchmark baseline: authentication and interceptors, nothing behind them.</summary>
public sealed class DiagnosticsGrpcService : DiagnosticsService.DiagnosticsServiceBase
{
    [RequiresPermission(Permissions.DiagnosticsEcho)]
    public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Payload = request.Payload });
}
