namespace GmTools.Server.Infrastructure;

/// <summary>
/// Bounds that several capabilities share, used by both the edge validation and the EF configuration so the
/// column and the check never disagree. A capability's own bounds live in its <c>XyzLimits</c>; player ids are
/// <c>PlayerLimits.PlayerId</c>, game-server ids <c>GameServerIds.MaxLength</c>.
/// </summary>
public static class CommonLimits
{
    /// <summary>Who did it: a staff id (the token's subject), a game-server id or "system".</summary>
    public const int ActorId = 128;

    /// <summary>A SHA-256 in lower-case hex.</summary>
    public const int Sha256Hex = 64;
}
