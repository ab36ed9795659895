using GmTools.Contracts.V1;
using GmTools.Server.Players.Dossier;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Sanctions;

/// <summary>
/// The dossier's sanctions: all those in force, and a page of those no longer in force (the dossier's recent limit a
/// page, newest first; sanction_history_page_token pages on). The dossier has already checked that the caller may see the player; sanctions scoped
/// to other game servers are shown too, as ListSanctions does: they are facts about this player, and a GM
/// deciding on a new sanction needs the whole record (the offense ladder counts them as well).
/// </summary>
public sealed class SanctionsDossierSection(SanctionQueries queries) : IDossierSection
{
    public const string Active = "active";
    public const string Expired = "expired";
    public const string Lifted = "lifted";

    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        // In force: few by nature, but bounded all the same; the page token pages the history, recent_limit a page.
        var active = await queries.PageAsync(context.Player.PlayerId, SanctionFilter.InForce, SanctionQueries.MaxPageSize, "", "sanction_history_page_token", ct);
        var history = await queries.PageAsync(context.Player.PlayerId, SanctionFilter.Past, context.RecentLimit, context.SanctionHistoryPageToken, "sanction_history_page_token", ct);
        dossier.ActiveSanctions.AddRange(active.Sanctions.Select(s => ToDossier(s, context.Now)));
        dossier.SanctionHistory.AddRange(history.Sanctions.Select(s => ToDossier(s, context.Now)));
        dossier.SanctionHistoryNextPageToken = history.NextPageToken;
    }

    /// <summary>A kick is over as soon as it is carried out, so it reads "expired" (or "lifted" if someone lifted it).</summary>
    public static string StateOf(Sanction s, DateTimeOffset now) =>
        s.LiftedAt is not null ? Lifted : s.IsActiveAt(now) ? Active : Expired;

    public static DossierSanction ToDossier(Sanction s, DateTimeOffset now) => new()
    {
        SanctionId = s.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Kind = s.Kind,
        GameServerId = s.ScopeGameServerId ?? "",
        ReasonCode = s.ReasonCode,
        Reason = s.Reason,
        IssuedBy = s.IssuedBy,
        IssuedAt = Timestamp.FromDateTimeOffset(s.IssuedAt),
        EndsAt = s.EndsAt is { } end ? Timestamp.FromDateTimeOffset(end) : null,
        State = StateOf(s, now),
        LiftedBy = s.LiftedBy ?? "",
        LiftedAt = s.LiftedAt is { } lifted ? Timestamp.FromDateTimeOffset(lifted) : null,
        LiftReason = s.LiftReason ?? "",
    };
}
