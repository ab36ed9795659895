namespace GmTools.Server.GameLink;

/// <summary>Bounds of the link's tables, shared by the acks' validation and the EF configuration.</summary>
public static class GameLinkLimits
{
    public const int ReplicaId = 128;
    public const int CommandKind = 32;
    public const int CorrelationId = 128;
    public const int Outcome = 16;
    /// <summary>A game server's reason for a failed command (longer ones are refused at the edge).</summary>
    public const int FailureReason = 500;
}
