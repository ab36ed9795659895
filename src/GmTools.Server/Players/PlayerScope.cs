using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Security;

namespace GmTools.Server.Players;

/// <summary>
/// Per-object scoping. A player on a game server outside the caller's scope is answered exactly like a
/// player that does not exist (NOT_FOUND with the same message), so scope never reveals existence; searches
/// silently keep to the scope.
/// </summary>
public static class PlayerScope
{
    public static Player EnsureVisible(this Caller caller, Player? player, string playerId) =>
        player is not null && caller.CanSeeGameServer(player.GameServerId) ? player : throw NotFound(playerId);

    public static Grpc.Core.RpcException NotFound(string playerId) => GrpcErrors.NotFound($"player '{playerId}' not found");

    /// <summary>Which game servers a search may look at: null = all; an empty list = none.</summary>
    public static IReadOnlyList<string>? SearchableServers(this Caller caller, string? requested)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return caller.CanSeeGameServer(requested) ? [requested] : [];
        }
        return caller.Kind == CallerKind.Staff && caller.GameServerScope.Count > 0 ? caller.GameServerScope : null;
    }
}
