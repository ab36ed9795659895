namespace GmTools.Server.GameServers;

/// <summary>Bounds of a game server's registration; ids are <see cref="GameServerIds.MaxLength"/>.</summary>
public static class GameServerLimits
{
    public const int DisplayName = 100;
    public const int Region = 50;
}
