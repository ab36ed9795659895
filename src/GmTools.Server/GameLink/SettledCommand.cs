using GmTools.Server.GameServers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.GameLink;

/// <summary>
/// A settled command that a capability's ledger still reads (a grant's delivery state, an announcement's receipts),
/// kept without its body once the outbox purge removes the row (<see cref="OutboxPurge"/> moves it here in the same
/// statement). The outbox stays small — only what is pending or recent — while the ledger keeps the game server's
/// answer for good.
/// </summary>
public sealed class SettledCommand
{
    public long CommandId { get; set; }
    public string GameServerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string CorrelationId { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? FailureReason { get; set; }
    public DateTimeOffset? AckedAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
}

internal sealed class SettledCommandConfiguration : IEntityTypeConfiguration<SettledCommand>
{
    public void Configure(EntityTypeBuilder<SettledCommand> b)
    {
        b.ToTable("gamelink_settled");
        b.HasKey(c => c.CommandId);
        b.Property(c => c.CommandId).ValueGeneratedNever();
        b.Property(c => c.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.Kind).HasMaxLength(GameLinkLimits.CommandKind);
        b.Property(c => c.CorrelationId).HasMaxLength(GameLinkLimits.CorrelationId);
        b.Property(c => c.Outcome).HasMaxLength(GameLinkLimits.Outcome);
        b.Property(c => c.FailureReason).HasMaxLength(GameLinkLimits.FailureReason);
        b.HasIndex(c => c.CorrelationId);
    }
}

/// <summary>
/// What a ledger reads about the commands it caused, wherever the row is now: still in the outbox (pending or
/// recently settled) or moved to <see cref="SettledCommand"/> by the purge. One shape for both.
/// </summary>
public sealed record CommandRecord(long CommandId, string GameServerId, string Kind, string CorrelationId, string? Outcome, string? FailureReason, DateTimeOffset? AckedAt, DateTimeOffset? WithdrawnAt);

public static class CommandHistory
{
    /// <summary>Every command (outbox or settled history) with one of these correlation ids.</summary>
    public static async Task<IReadOnlyList<CommandRecord>> ByCorrelationAsync(DbContext db, IReadOnlyCollection<string> correlationIds, CancellationToken ct)
    {
        var live = await db.Set<OutboxCommand>().AsNoTracking()
            .Where(c => c.CorrelationId != null && correlationIds.Contains(c.CorrelationId))
            .Select(c => new CommandRecord(c.CommandId, c.GameServerId, c.Kind, c.CorrelationId!, c.Outcome, c.FailureReason, c.AckedAt, c.WithdrawnAt))
            .ToListAsync(ct);
        var settled = await db.Set<SettledCommand>().AsNoTracking()
            .Where(c => correlationIds.Contains(c.CorrelationId))
            .Select(c => new CommandRecord(c.CommandId, c.GameServerId, c.Kind, c.CorrelationId, c.Outcome, c.FailureReason, c.AckedAt, c.WithdrawnAt))
            .ToListAsync(ct);
        return Merge(live, settled);
    }

    /// <summary>Every command of this kind whose correlation id starts with <paramref name="prefix"/>, wherever it is.</summary>
    public static async Task<IReadOnlyList<CommandRecord>> ByCorrelationPrefixAsync(DbContext db, string kind, string prefix, CancellationToken ct)
    {
        var live = await db.Set<OutboxCommand>().AsNoTracking()
            .Where(c => c.Kind == kind && c.CorrelationId != null && c.CorrelationId.StartsWith(prefix))
            .Select(c => new CommandRecord(c.CommandId, c.GameServerId, c.Kind, c.CorrelationId!, c.Outcome, c.FailureReason, c.AckedAt, c.WithdrawnAt))
            .ToListAsync(ct);
        var settled = await db.Set<SettledCommand>().AsNoTracking()
            .Where(c => c.Kind == kind && c.CorrelationId.StartsWith(prefix))
            .Select(c => new CommandRecord(c.CommandId, c.GameServerId, c.Kind, c.CorrelationId, c.Outcome, c.FailureReason, c.AckedAt, c.WithdrawnAt))
            .ToListAsync(ct);
        return Merge(live, settled);
    }

    // A row moves from the outbox to the history in one statement and the outbox is read first, so a row is never
    // missed; it can be seen in both when it moved between the two reads.
    private static List<CommandRecord> Merge(List<CommandRecord> live, List<CommandRecord> settled)
    {
        var seen = live.Select(l => l.CommandId).ToHashSet();
        live.AddRange(settled.Where(s => !seen.Contains(s.CommandId)));
        return live;
    }
}
