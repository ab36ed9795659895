using GmTools.Server.Security;

namespace GmTools.Server.Players;

/// <summary>
/// Players' scoping, through the shared <see cref="ObjectScope"/>/<see cref="ObjectRules"/>: a player on a game
/// server outside the caller's scope is answered exactly like a player that does not exist (NOT_FOUND with the
/// same message), so scope never reveals existence; searches silently keep to the scope.
/// </summary>
public static class PlayerScope
{
    public static Player EnsureVisible(this Caller caller, Player? player, string playerId) => caller.VisiblePlayer(player, playerId);

    public static Grpc.Core.RpcException NotFound(string playerId) => Infrastructure.Grpc.GrpcErrors.NotFound(ObjectRules.PlayerNotFound(playerId));

    /// <summary>Which game servers a search may look at: null = all; an empty list = none.</summary>
    public static IReadOnlyList<string>? SearchableServers(this Caller caller, string? requested)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return caller.Sees(requested) ? [requested] : [];
        }
        return caller.VisibleServers();
    }
}
