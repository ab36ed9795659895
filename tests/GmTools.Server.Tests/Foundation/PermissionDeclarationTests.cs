using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GmTools.Server.Tests.Foundation;

public sealed class PermissionDeclarationTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public void Every_rpc_the_server_exposes_declares_a_permission_that_some_role_holds()
    {
        var methods = fx.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => (Endpoint: e, Grpc: e.Metadata.GetMetadata<GrpcMethodMetadata>()))
            .Where(x => x.Grpc is not null && !AccessInterceptor.IsOpenService(x.Grpc.Method.ServiceName))
            .ToList();

        Assert.Contains(methods, m => m.Grpc!.Method.FullName == "/gmtools.v1.AuditService/VerifyAuditChain");
        var allRoles = Enum.GetValues<Role>();
        var undeclared = methods.Where(m => m.Endpoint.Metadata.GetMetadata<RequiresPermissionAttribute>() is null)
            .Select(m => m.Grpc!.Method.FullName).ToList();
        var unheld = methods.Select(m => (m.Grpc!.Method.FullName, m.Endpoint.Metadata.GetMetadata<RequiresPermissionAttribute>()?.Permission))
            .Where(m => m.Permission is not null && !PermissionTable.Allows(allRoles, m.Permission))
            .Select(m => $"{m.FullName} needs {m.Permission}").ToList();
        Assert.True(undeclared.Count == 0, "RPCs without [RequiresPermission]: " + string.Join(", ", undeclared));
        Assert.True(unheld.Count == 0, "RPCs whose permission no role holds: " + string.Join(", ", unheld));
    }
}
