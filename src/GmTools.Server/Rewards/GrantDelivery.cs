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

    /// <summary>Each recipient's delivery state, by player id: the grant's mail and claw-back rows in one read.</summary>
    public static async Task<IReadOnlyList<RecipientDelivery>> ReadAsync(DbContext db, Grant grant, CancellationToken ct)
    {
        var recipients = grant.Recipients.OrderBy(r => r.PlayerId, StringComparer.Ordinal).ToList();
        var rows = await RowsAsync(db, recipients.SelectMany(r => new[] { MailCorrelation(grant.GrantId, r.PlayerId), ClawBackCorrelation(grant.GrantId, r.PlayerId) }), ct);
        return recipients.Select(r =>
        {
            var (state, failure) = StateOf(grant.State, grant.GrantId, r.PlayerId, rows);
            return new RecipientDelivery(r.PlayerId, r.GameServerId, state, failure);
        }).ToList();
    }

    /// <summary>The outbox rows with these correlation ids, by correlation id.</summary>
    public static async Task<IReadOnlyDictionary<string, OutboxRow>> RowsAsync(DbContext db, IEnumerable<string> correlationIds, CancellationToken ct)
    {
        var records = await CommandHistory.ByCorrelationAsync(db, [.. correlationIds], ct);
        return records.ToDictionary(r => r.CorrelationId, r => new OutboxRow(r.CorrelationId, r.Outcome, r.FailureReason, r.AckedAt, r.WithdrawnAt), StringComparer.Ordinal);
    }

    /// <summary>One recipient's delivery state, from the rows <see cref="RowsAsync"/> read for the grant's mail and claw-back correlations.</summary>
    public static (MailDelivery State, string FailureReason) StateOf(string grantState, long grantId, string playerId, IReadOnlyDictionary<string, OutboxRow> rows)
    {
        rows.TryGetValue(MailCorrelation(grantId, playerId), out var mail);
        rows.TryGetValue(ClawBackCorrelation(grantId, playerId), out var clawBack);
        return StateOf(grantState is GrantStates.Rejected or GrantStates.Revoked, mail, clawBack);
    }

    /// <summary>
    /// The state from a mail row and its claw-back row (either may not exist yet). <paramref name="withdrawn"/>:
    /// rejected or revoked, so a mail that was never queued never will be.
    /// </summary>
    public static (MailDelivery State, string FailureReason) StateOf(bool withdrawn, OutboxRow? mail, OutboxRow? clawBack)
    {
        return (mail?.Outcome, clawBack?.Outcome) switch
        {
            (_, OutboxOutcomes.Applied) => (MailDelivery.ClawedBack, ""),
            (_, null) when clawBack is not null => (MailDelivery.ClawBackPending, ""),
            (_, _) when clawBack is not null => (MailDelivery.Delivered, $"claw-back {clawBack.Outcome}: {clawBack.FailureReason}"),
            (null, _) when mail is null => withdrawn ? (MailDelivery.Cancelled, "") : (MailDelivery.Pending, ""),
            (null, _) when mail.WithdrawnAt is not null => (MailDelivery.RevokePending, ""),
            (null, _) => (MailDelivery.Pending, ""),
            (OutboxOutcomes.Applied, _) => (MailDelivery.Delivered, ""),
            (OutboxOutcomes.Failed, _) => (MailDelivery.Failed, mail!.FailureReason ?? ""),
            (OutboxOutcomes.Expired, _) => (MailDelivery.Expired, ""),
            (OutboxOutcomes.Cancelled, _) => (MailDelivery.Cancelled, ""),
            _ => (MailDelivery.Pending, ""),
        };
    }
}

/// <summary>What a delivery state is read from: one gamelink_outbox row's outcome.</summary>
public sealed record OutboxRow(string CorrelationId, string? Outcome, string? FailureReason, DateTimeOffset? AckedAt, DateTimeOffset? WithdrawnAt = null);

/// <summary>Where one recipient's grant mail is; mapped to the contract's DeliveryState in <see cref="GrantContracts"/>.</summary>
public enum MailDelivery
{
    Pending,
    Delivered,
    Failed,
    Expired,
    /// <summary>Revoked or rejected before delivery: the player never got it.</summary>
    Cancelled,
    /// <summary>Revoked after the mail was sent, before the game server answered: its answer decides.</summary>
    RevokePending,
    /// <summary>Delivered, then revoked: a ClawBack is queued but not acknowledged yet.</summary>
    ClawBackPending,
    ClawedBack,
}
