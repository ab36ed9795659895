using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using GmTools.Server.Players.Dossier;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>
/// The dossier's grants: the player's most recent grants (newest first, up to the dossier's recent limit) with
/// this player's delivery state, read from the outbox the same way GetGrant reads it (<see cref="GrantDelivery"/>).
/// Grants made while the player lived on another game server are shown too: they are this player's history.
/// Campaign mail is not listed: campaign_recipients has no index by player, so finding a player's campaigns
/// would scan every expanded campaign.
/// </summary>
public sealed class GrantsDossierSection(GmToolsDbContext db) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var playerId = context.Player.PlayerId;
        // From the recipients' (player_id, grant_id) index backwards, then each grant by its key.
        var grants = await (
                from r in db.Set<GrantRecipient>().AsNoTracking()
                where r.PlayerId == playerId
                join g in db.Set<Grant>().AsNoTracking() on r.GrantId equals g.GrantId
                orderby r.GrantId descending
                select g)
            .Take(context.RecentLimit)
            .ToListAsync(ct);
        if (grants.Count == 0)
        {
            return;
        }
        var rows = await GrantDelivery.RowsAsync(db,
            grants.SelectMany(g => new[] { GrantDelivery.MailCorrelation(g.GrantId, playerId), GrantDelivery.ClawBackCorrelation(g.GrantId, playerId) }), ct);
        foreach (var g in grants)
        {
            var (state, _) = GrantDelivery.StateOf(g.State, g.GrantId, playerId, rows);
            rows.TryGetValue(GrantDelivery.MailCorrelation(g.GrantId, playerId), out var mail);
            var view = new DossierGrant
            {
                GrantId = g.GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Reason = g.Reason,
                TicketRef = g.TicketRef,
                GrantedBy = g.Requester,
                CreatedAt = Timestamp.FromDateTimeOffset(g.CreatedAt),
                State = g.State,
                DeliveryState = DeliveryName(state),
                DeliveredAt = mail is { Outcome: OutboxOutcomes.Applied, AckedAt: { } at } ? Timestamp.FromDateTimeOffset(at) : null,
            };
            view.Items.AddRange(RewardLines.FromJson(g.Lines).Select(l => new DossierGrantItem { ItemId = l.ItemId, Count = l.Count }));
            dossier.Grants.Add(view);
        }
    }

    public static string DeliveryName(MailDelivery state) => state switch
    {
        MailDelivery.Delivered => "delivered",
        MailDelivery.Failed => "failed",
        MailDelivery.Expired => "expired",
        MailDelivery.Cancelled => "cancelled",
        MailDelivery.ClawBackPending => "claw_back_pending",
        MailDelivery.ClawedBack => "clawed_back",
        _ => "pending",
    };
}
