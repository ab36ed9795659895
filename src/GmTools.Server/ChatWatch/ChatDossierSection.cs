using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using GmTools.Server.Players.Dossier;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// The dossier's chat: the player's recent lines from the live view (Redis; empty while it is away) and their
/// flags from PostgreSQL, both limited to game servers the caller sees. Chat sanctions are in the sanctions
/// section already. Private messages are shown only to callers who may read personal data (players.read_contact);
/// the dossier read is audited as such. Chat sanctions are in the sanctions section (reason codes chat_abuse, gold_selling; their evidence is the flags' lines).
/// </summary>
public sealed class ChatDossierSection(GmToolsDbContext db, ChatLiveState live) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var playerId = context.Player.PlayerId;
        var recent = await live.RecentAsync(ChatLiveState.PlayerRecent(context.Player.GameServerId, playerId), 0, context.RecentLimit) ?? [];
        var shown = recent.Where(l => context.Caller.Sees(l.GameServerId)
            && (l.Channel != ChatChannel.Private || context.Caller.Holds(Permissions.PlayersReadContact)));
        dossier.RecentChatLines.AddRange(shown.Select(l => new DossierChatLine
        {
            LineId = l.LineId,
            GameServerId = l.GameServerId,
            Channel = ChatContracts.ChannelName(l.Channel) ?? "",
            Text = l.Text,
            SentAt = l.SentAt,
            Flags = { l.Matches.Select(m => m.Category).Distinct() },
        }));
        var flags = await db.Set<ChatFlag>().Where(f => f.SenderPlayerId == playerId)
            .RecentVisibleAsync(context, f => f.GameServerId, f => f.FlagId, ct);
        dossier.RecentChatFlags.AddRange(flags.Select(f => new DossierChatFlag
        {
            LineId = f.LineId,
            Category = f.Category,
            Rule = f.Rule,
            Text = f.Text,
            FlaggedAt = Timestamp.FromDateTimeOffset(f.FlaggedAt),
            ReviewState = f.State,
        }));
    }
}
