using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmTools.Server.GameServers;

public sealed class GameServerGrpcService(GameServerRegistry registry, RequestContext request) : GameServerService.GameServerServiceBase
{
    [RequiresPermission(Permissions.GameServersManage)]
    public override async Task<RegisterGameServerResponse> RegisterGameServer(RegisterGameServerRequest r, ServerCallContext context)
    {
        new Violations()
            .CheckGameServerId("game_server_id", r.GameServerId)
            .RequiredMax("display_name", r.DisplayName, GameServerLimits.DisplayName)
            .MaxLength("region", r.Region, GameServerLimits.Region)
            .RequiredMax("reason", r.Reason, 500)
            .ThrowIfAny();
        // A new server widens what every unscoped caller reaches; a scoped admin could otherwise mint itself one.
        request.Caller.EnsureCoversEveryServer("registering a game server");
        var issued = await registry.RegisterAsync(r.GameServerId, r.DisplayName, r.Region, r.Reason, context.CancellationToken);
        return new RegisterGameServerResponse { GameServer = ToContract(issued.GameServer), Credential = $"{GameServerCredential.Scheme} {issued.Credential}" };
    }

    [RequiresPermission(Permissions.GameServersManage)]
    public override async Task<RotateGameServerCredentialResponse> RotateGameServerCredential(RotateGameServerCredentialRequest r, ServerCallContext context)
    {
        new Violations()
            .CheckGameServerId("game_server_id", r.GameServerId)
            .RequiredMax("reason", r.Reason, 500)
            .ThrowIfAny();
        // The new secret IS the server: an admin scoped elsewhere must not learn it (NOT_FOUND, as for a missing server).
        request.Caller.EnsureSees(r.GameServerId, ObjectRules.GameServerNotFound(r.GameServerId));
        var issued = await registry.RotateAsync(r.GameServerId, r.Reason, context.CancellationToken);
        return new RotateGameServerCredentialResponse { GameServer = ToContract(issued.GameServer), Credential = $"{GameServerCredential.Scheme} {issued.Credential}" };
    }

    [RequiresPermission(Permissions.GameServersRead)]
    public override async Task<ListGameServersResponse> ListGameServers(ListGameServersRequest r, ServerCallContext context)
    {
        var response = new ListGameServersResponse();
        response.GameServers.AddRange((await registry.ListAsync(request.Caller, context.CancellationToken)).Select(ToContract));
        return response;
    }

    internal static GameServer ToContract(GameServerEntity g) => new()
    {
        GameServerId = g.GameServerId,
        DisplayName = g.DisplayName,
        Region = g.Region,
        RegisteredAt = Timestamp.FromDateTimeOffset(g.RegisteredAt),
        CredentialRotatedAt = Timestamp.FromDateTimeOffset(g.CredentialRotatedAt),
    };
}
