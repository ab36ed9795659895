using GmTools.Contracts.V1;
using GmTools.Server.Players.Dossier;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Sanctions;

/// <summary>
/// The dossier's sanctions: all those in force, and the most recent ones no longer in force (bounded by the
/// dossier's recent limit). The dossier has already checked that the caller may see the player; sanctions scoped
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
        var sanctions = await queries.ForPlayerAsync(context.Player.PlayerId, ct);
        dossier.ActiveSanctions.AddRange(sanctions.Active.Select(s => ToDossier(s, context.Now)));
        dossier.SanctionHistory.AddRange(sanctions.History
            .Where(s => !s.IsActiveAt(context.Now))
            .Take(context.RecentLimit)
            .Select(s => ToDossier(s, context.Now)));
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
