using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>
/// A grant's delivery state per player, read from the GameLink outbox rows it caused. The rows are the
/// record: GameLink sets their outcome when the game server acknowledges, so nothing here is copied.
/// </summary>
public static class GrantDelivery
{
    public static string MailCorrelation(long grantId, string playerId) => $"grant:{grantId}:{playerId}";

    public static string ClawBackCorrelation(long grantId, string playerId) => $"grant:{grantId}:{playerId}:clawback";

    public static string GrantRef(long grantId) => $"grant:{grantId}";

    public static async Task DescribeAsync(DbContext db, Grant grant, Contracts.V1.Grant into, CancellationToken ct)
    {
        var recipients = grant.Recipients.OrderBy(r => r.PlayerId, StringComparer.Ordinal).ToList();
        var correlations = recipients.SelectMany(r => new[] { MailCorrelation(grant.GrantId, r.PlayerId), ClawBackCorrelation(grant.GrantId, r.PlayerId) }).ToList();
        var rows = await db.Set<OutboxCommand>().AsNoTracking()
            .Where(c => correlations.Contains(c.CorrelationId!))
            .Select(c => new { c.CorrelationId, c.Outcome, c.FailureReason })
            .ToListAsync(ct);
        var byCorrelation = rows.ToDictionary(r => r.CorrelationId!, StringComparer.Ordinal);
        foreach (var r in recipients)
        {
            var view = new Contracts.V1.GrantRecipient { PlayerId = r.PlayerId, GameServerId = r.GameServerId };
            byCorrelation.TryGetValue(MailCorrelation(grant.GrantId, r.PlayerId), out var mail);
            byCorrelation.TryGetValue(ClawBackCorrelation(grant.GrantId, r.PlayerId), out var clawBack);
            (view.DeliveryState, view.FailureReason) = (mail?.Outcome, clawBack?.Outcome) switch
            {
                (_, OutboxOutcomes.Applied) => (DeliveryState.ClawedBack, ""),
                (_, null) when clawBack is not null => (DeliveryState.ClawBackPending, ""),
                (_, _) when clawBack is not null => (DeliveryState.Delivered, $"claw-back {clawBack.Outcome}: {clawBack.FailureReason}"),
                (null, _) when mail is null => grant.State is GrantStates.Rejected or GrantStates.Revoked ? (DeliveryState.Cancelled, "") : (DeliveryState.Pending, ""),
                (null, _) => (DeliveryState.Pending, ""),
                (OutboxOutcomes.Applied, _) => (DeliveryState.Delivered, ""),
                (OutboxOutcomes.Failed, _) => (DeliveryState.Failed, mail!.FailureReason ?? ""),
                (OutboxOutcomes.Expired, _) => (DeliveryState.Expired, ""),
                (OutboxOutcomes.Cancelled, _) => (DeliveryState.Cancelled, ""),
                _ => (DeliveryState.Pending, ""),
            };
            into.Recipients.Add(view);
        }

    }
}

/// <summary>Outcome values of gamelink_outbox rows. "cancelled" is written by Rewards when a grant or campaign is revoked before delivery.</summary>
public static class OutboxOutcomes
{
    public const string Applied = "applied";
    public const string Failed = "failed";
    public const string Expired = "expired";
    public const string Cancelled = "cancelled";
}
