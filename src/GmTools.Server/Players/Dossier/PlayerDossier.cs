using GmTools.Contracts.V1;
using GmTools.Server.Security;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Players.Dossier;

/// <summary>Assembles a dossier: the profile, then every registered section; the read is audited before it is answered.</summary>
public sealed class PlayerDossier(PlayerSearch players, IEnumerable<IDossierSection> sections, PlayerContactReads reads, TimeProvider time)
{
    public const int DefaultRecentLimit = 20;
    public const int MaxRecentLimit = 100;

    public async Task<GetPlayerDossierResponse> BuildAsync(Caller caller, string playerId, int recentLimit, string sanctionHistoryPageToken, CancellationToken ct)
    {
        var player = caller.EnsureVisible(await players.GetAsync(playerId, ct), playerId);
        var withContact = caller.Holds(Permissions.PlayersReadContact);
        var dossier = new GetPlayerDossierResponse
        {
            Player = PlayerContracts.ToContract(player, withContact),
            Vip = new DossierVip(),
        };
        var context = new DossierContext(player, caller, time.GetUtcNow(), recentLimit) { SanctionHistoryPageToken = sanctionHistoryPageToken };
        foreach (var section in sections)
        {
            await section.FillAsync(context, dossier, ct);
        }
        await reads.RecordAsync(withContact ? [player] : [], "dossier", dossierOf: player, ct);
        return dossier;
    }
}
