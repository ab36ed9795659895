using GmTools.Contracts.V1;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Players.Dossier;

/// <summary>What a section gets to fill its part of a dossier: the (visible) player, who asks, and how much "recent" means.</summary>
public sealed record DossierContext(Player Player, Caller Caller, DateTimeOffset Now, int RecentLimit)
{
    /// <summary>Where the sanction history's page starts (the request's sanction_history_page_token); empty: the newest.</summary>
    public string SanctionHistoryPageToken { get; init; } = "";
}

/// <summary>
/// One part of a player's dossier, filled by the capability that owns the data (sanctions, grants, VIP care,
/// anomalies, chat watch). A capability registers its section in its own AddXyz():
/// <c>services.AddScoped&lt;IDossierSection, SanctionsDossierSection&gt;();</c>. Sections run one after the
/// other on the request's scope (they may share its DbContext) and only touch their own fields of the
/// response; with none registered those fields stay empty.
/// </summary>
public interface IDossierSection
{
    Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct);
}
