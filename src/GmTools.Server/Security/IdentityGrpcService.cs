using GmTools.Contracts.V1;
using Grpc.Core;

namespace GmTools.Server.Security;

public sealed class IdentityGrpcService(RequestContext request) : IdentityService.IdentityServiceBase
{
    [RequiresPermission(Permissions.IdentityRead)]
    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest r, ServerCallContext context)
    {
        var caller = request.Caller;
        var contract = new Contracts.V1.Caller { Id = caller.Id, GameServerId = caller.GameServerId ?? "" };
        contract.Roles.AddRange(caller.Roles.Select(x => x.ToContract()));
        contract.GameServerScope.AddRange(caller.GameServerScope);
        var response = new WhoAmIResponse { Caller = contract };
        response.Permissions.AddRange(PermissionTable.PermissionsOf(caller.Roles));
        return Task.FromResult(response);
    }
}
