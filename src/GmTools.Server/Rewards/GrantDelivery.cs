using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>
/// A grant's delivery state per player, read from the GameLink commands it caused (in the outbox, or in the settled
/// history once purged: <see cref="CommandHistory"/>). They are the record: GameLink sets their outcome when the game
/// server acknowledges, so nothing here is copied.
/// </summary>
public static class GrantDelivery
{
    /// <summary>Every outbox row a grant caused (mail and claw-back), as a SQL LIKE pattern.</summary>
    public const string CorrelationPattern = "grant:%";

    public static string MailCorrelation(long grantId, string playerId) => $"grant:{grantId}:{playerId}";

    public static string ClawBackCorrelation(long grantId, string playerId) => $"grant:{grantId}:{playerId}:clawback";

    public static string GrantRef(long grantId) => grantId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task DescribeAsync(DbContext db, Grant grant, Contracts.V1.Grant into, CancellationToken ct)
    {
        var recipients = grant.Recipients.OrderBy(r => r.PlayerId, StringComparer.Ordinal).ToList();
        var rows = await RowsAsync(db, recipients.SelectMany(r => new[] { MailCorrelation(grant.GrantId, r.PlayerId), ClawBackCorrelation(grant.GrantId, r.PlayerId) }), ct);
        foreach (var r in recipients)
        {
            var view = new Contracts.V1.GrantRecipient { PlayerId = r.PlayerId, GameServerId = r.GameServerId };
            (view.DeliveryState, view.FailureReason) = StateOf(grant.State, grant.GrantId, r.PlayerId, rows);
            into.Recipients.Add(view);
        }
    }

    /// <summary>The outbox rows with these correlation ids, by correlation id.</summary>
    public static async Task<IReadOnlyDictionary<string, OutboxRow>> RowsAsync(DbContext db, IEnumerable<string> correlationIds, CancellationToken ct)
    {
        var records = await CommandHistory.ByCorrelationAsync(db, [.. correlationIds], ct);
        return records.ToDictionary(r => r.CorrelationId, r => new OutboxRow(r.CorrelationId, r.Outcome, r.FailureReason, r.AckedAt, r.WithdrawnAt), StringComparer.Ordinal);
    }

    /// <summary>One recipient's delivery state, from the rows <see cref="RowsAsync"/> read for the grant's mail and claw-back correlations.</summary>
    public static (DeliveryState State, string FailureReason) StateOf(string grantState, long grantId, string playerId, IReadOnlyDictionary<string, OutboxRow> rows)
    {
        rows.TryGetValue(MailCorrelation(grantId, playerId), out var mail);
        rows.TryGetValue(ClawBackCorrelation(grantId, playerId), out var clawBack);
        return StateOf(grantState is GrantStates.Rejected or GrantStates.Revoked, mail, clawBack);
    }

    /// <summary>
    /// The state from a mail row and its claw-back row (either may not exist yet). <paramref name="withdrawn"/>:
    /// rejected or revoked, so a mail that was never queued never will be.
    /// </summary>
    public static (DeliveryState State, string FailureReason) StateOf(bool withdrawn, OutboxRow? mail, OutboxRow? clawBack)
    {
        return (mail?.Outcome, clawBack?.Outcome) switch
        {
            (_, OutboxOutcomes.Applied) => (DeliveryState.ClawedBack, ""),
            (_, null) when clawBack is not null => (DeliveryState.ClawBackPending, ""),
            (_, _) when clawBack is not null => (DeliveryState.Delivered, $"claw-back {clawBack.Outcome}: {clawBack.FailureReason}"),
            (null, _) when mail is null => withdrawn ? (DeliveryState.Cancelled, "") : (DeliveryState.Pending, ""),
            (null, _) when mail.WithdrawnAt is not null => (DeliveryState.RevokePending, ""),
            (null, _) => (DeliveryState.Pending, ""),
            (OutboxOutcomes.Applied, _) => (DeliveryState.Delivered, ""),
            (OutboxOutcomes.Failed, _) => (DeliveryState.Failed, mail!.FailureReason ?? ""),
            (OutboxOutcomes.Expired, _) => (DeliveryState.Expired, ""),
            (OutboxOutcomes.Cancelled, _) => (DeliveryState.Cancelled, ""),
            _ => (DeliveryState.Pending, ""),
        };
    }
}

/// <summary>What a delivery state is read from: one gamelink_outbox row's outcome.</summary>
public sealed record OutboxRow(string CorrelationId, string? Outcome, string? FailureReason, DateTimeOffset? AckedAt, DateTimeOffset? WithdrawnAt = null);
