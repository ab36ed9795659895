namespace GmTools.Server.GameLink;

/// <summary>
/// What a capability sends a game server each time its stream opens, e.g. the announcements that should be showing
/// now. GameLink calls every registered contributor after the stream is claimed and before delivery starts, so what
/// a contributor enqueues (through <see cref="CommandOutbox"/>, committed) goes out on this very stream. GameLink
/// knows nothing of the capabilities behind it; a capability registers its contributor as a scoped service.
/// </summary>
public interface IGameLinkConnectContributor
{
    /// <param name="gameServerId">The game server whose stream opened (authenticated as itself).</param>
    /// <param name="lastAppliedCommandId">What its hello says it has applied (0: nothing, or it keeps no mark).</param>
    Task OnStreamOpenedAsync(string gameServerId, long lastAppliedCommandId, CancellationToken ct);
}
