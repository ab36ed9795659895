using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Sanctions;

public sealed record BulkPreview(
    BulkSanctionPreview Row,
    IReadOnlyList<(PlayerRef Player, bool AlreadySanctioned)> Players,
    IReadOnlyList<string> AffectedGameServerIds,
    IReadOnlyList<string> UnknownPlayerIds);

public sealed record BulkPlayerResult(string PlayerId, BulkOutcome Outcome, long SanctionId);

/// <summary>
/// Bulk sanctions: preview → (approve) → execute. The preview token is stored in PostgreSQL, bound to the
/// requester and to a hash of the exact content; execution must present the same content. Above the guard-rail
/// number a supervisor other than the requester must approve first; approved sanctions skip the guard rail.
/// </summary>
public sealed class BulkSanctions(
    GmToolsDbContext db,
    AuditWriter audit,
    RequestContext request,
    SanctionDesk desk,
    SanctionCommands commands,
    SanctionGuardRail guardRail,
    IOptionsMonitor<SanctionOptions> options,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<BulkPreview> PreviewAsync(BulkOrder content, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (kind, scope, end) = Parse(content);
        await desk.CheckScopeAsync(scope, ct);
        if (kind != SanctionKinds.Kick)
        {
            desk.CheckEndBounds(end.Field("end"), kind, end.Resolve(now), now);
        }
        var (found, unknown) = await ResolvePlayersAsync(content.PlayerIds, kind, scope, now, ct);
        var row = new BulkSanctionPreview
        {
            Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            RequestedBy = Caller.Id,
            ContentHash = Hash(content),
            PlayerCount = found.Count,
            NeedsApproval = found.Count > options.CurrentValue.GuardRailPlayersPerMinute,
            CreatedAt = now,
            ExpiresAt = now + options.CurrentValue.BulkPreviewLifetime,
            Kind = kind,
            ScopeGameServerId = scope.GameServerId,
            EndsAt = end.At,
            EndDuration = end.Duration,
            EndPermanent = end.Permanent,
            ReasonCode = content.ReasonCode,
            Reason = content.Reason,
            TicketRef = content.TicketRef,
            PlayerIds = content.PlayerIds.Distinct(StringComparer.Ordinal).ToList(),
            PlayerGameServerIds = found.Select(p => p.Player.GameServerId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Add(row);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("sanction.bulk_preview", "bulk_sanction", row.Token,
            new { kind, scope = scope.GameServerId ?? "all", players = found.Count, unknown = unknown.Count, row.NeedsApproval },
            Reason: content.Reason, TicketRef: content.TicketRef), ct);
        await tx.CommitAsync(ct);
        return new BulkPreview(row, found, await commands.TargetsAsync(scope.GameServerId, ct), unknown);
    }

    public async Task<BulkSanctionPreview> ApproveAsync(string token, string note, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = Caller.VisibleBulkSanction(await LockAsync(token, ct));
        var homes = await db.Set<Player>().AsNoTracking().Where(p => row.PlayerIds.Contains(p.PlayerId)).Select(p => p.GameServerId).Distinct().ToListAsync(ct);
        Caller.EnsureMayApproveBulk(row, homes);
        Caller.EnsureSomeoneElse("a bulk sanction must be approved by someone other than its requester", row.RequestedBy);
        EnsureUsable(row, now);
        row.ApprovedBy = Caller.Id;
        row.ApprovedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("sanction.bulk_approve", "bulk_sanction", token, new { row.RequestedBy, row.PlayerCount }, Reason: note), ct);
        await tx.CommitAsync(ct);
        return row;
    }

    public async Task<(IReadOnlyList<BulkPlayerResult> Results, string? ApprovedBy)> ExecuteAsync(string token, BulkOrder content, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (kind, scope, end) = Parse(content);
        await using var tx = await db.BeginWorkAsync(ct);
        var row = await LockAsync(token, ct);
        if (row is null || !string.Equals(row.RequestedBy, Caller.Id, StringComparison.Ordinal))
        {
            throw GrpcErrors.NotFound("preview token not found");
        }
        if (!CryptographicOperations.FixedTimeEquals(row.ContentHash, Hash(content)))
        {
            throw GrpcErrors.FailedPrecondition("the preview token was issued for different content; preview this content again");
        }
        EnsureUsable(row, now);
        await desk.CheckScopeAsync(scope, ct);
        var endsAt = end.Resolve(now);
        if (kind != SanctionKinds.Kick)
        {
            desk.CheckEndBounds(end.Field("content.end"), kind, endsAt, now);
        }
        var (found, unknown) = await ResolvePlayersAsync(content.PlayerIds, kind, scope, now, ct);
        var toSanction = found.Where(p => !p.AlreadySanctioned).Select(p => p.Player).ToList();
        // Unapproved bulk actions are held to the same per-minute guard rail as single sanctions (which reserves the
        // ids on the way); approved ones take their ids in one round trip too.
        var ids = new Queue<long>(row.ApprovedBy is null
            ? await guardRail.EnsureWithinAsync(Caller.Id, toSanction.Select(p => p.PlayerId).ToList(), now, ct)
            : await SanctionIds.ReserveAsync(db, toSanction.Count, ct));
        var results = new List<BulkPlayerResult>();
        var order = new IssueOrder("", kind, scope, end, content.ReasonCode, content.Reason, [], [], content.TicketRef, "");
        var written = new List<Sanction>();
        foreach (var id in content.PlayerIds.Distinct(StringComparer.Ordinal))
        {
            var match = found.FirstOrDefault(p => p.Player.PlayerId == id);
            if (match.Player is null)
            {
                results.Add(new BulkPlayerResult(id, BulkOutcome.NotFound, 0));
                continue;
            }
            if (match.AlreadySanctioned)
            {
                results.Add(new BulkPlayerResult(id, BulkOutcome.AlreadySanctioned, 0));
                continue;
            }
            var sanction = desk.NewSanction(order, match.Player, now, kind == SanctionKinds.Kick ? null : endsAt, 0);
            sanction.SanctionId = ids.Dequeue();
            sanction.BulkToken = token;
            sanction.ApprovedBy = row.ApprovedBy;
            await desk.WriteIssuedAsync(sanction, ct);
            written.Add(sanction);
            results.Add(new BulkPlayerResult(id, BulkOutcome.Sanctioned, sanction.SanctionId));
        }
        row.ExecutedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("sanction.bulk_execute", "bulk_sanction", token,
            new { kind, scope = scope.GameServerId ?? "all", sanctioned = written.Count, unknown = unknown.Count, row.ApprovedBy },
            Reason: content.Reason, TicketRef: content.TicketRef), ct);
        await tx.CommitAsync(ct);
        foreach (var s in written)
        {
            await desk.InvalidateAsync(s);
        }
        return (results, row.ApprovedBy);
    }

    /// <summary>
    /// The hash covers the canonical content: player ids de-duplicated and sorted, everything else as sent (an end
    /// given as an instant differs from one given as a duration). Each field is length-prefixed, so no two contents
    /// share a serialization.
    /// </summary>
    internal static byte[] Hash(BulkOrder content)
    {
        var parts = new List<string>
        {
            content.Kind,
            content.Scope.GameServerId ?? "*",
            content.End.Permanent ? "permanent" : content.End.At is { } at ? "at:" + at.UtcTicks.ToString(CultureInfo.InvariantCulture) : "for:" + content.End.Duration!.Value.Ticks.ToString(CultureInfo.InvariantCulture),
            content.ReasonCode,
            content.Reason,
            content.TicketRef,
        };
        parts.AddRange(content.PlayerIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>One bulk sanction, exactly as previewed; NOT_FOUND unless the caller sees all of it.</summary>
    public async Task<BulkSanctionPreview> GetAsync(string token, CancellationToken ct) =>
        Caller.VisibleBulkSanction(await db.Set<BulkSanctionPreview>().AsNoTracking().FirstOrDefaultAsync(b => b.Token == token, ct));

    /// <summary>Pending bulk sanctions (not executed, not expired) the caller sees whole, newest first, after the cursor.</summary>
    public async Task<List<BulkSanctionPreview>> ListPendingAsync(bool awaitingApprovalOnly, (DateTimeOffset CreatedAt, string Token)? after, int take, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var scope = Caller.ScopeParameter();
        var q = db.Set<BulkSanctionPreview>().AsNoTracking().Where(b => b.ExecutedAt == null && b.ExpiresAt > now);
        if (awaitingApprovalOnly)
        {
            q = q.Where(b => b.NeedsApproval && b.ApprovedBy == null);
        }
        if (scope is not null)
        {
            // Seen whole: where it applies and every player's server lie in the scope (Npgsql: "<@" and "= ANY").
            q = q.Where(b => b.ScopeGameServerId != null && scope.Contains(b.ScopeGameServerId) && b.PlayerGameServerIds.All(g => scope.Contains(g)));
        }
        if (after is { } cursor)
        {
            // Translated to SQL "<" on the token (hex, so every collation orders it the same); never run in .NET.
#pragma warning disable CA1309
            q = q.Where(b => b.CreatedAt < cursor.CreatedAt || (b.CreatedAt == cursor.CreatedAt && string.Compare(b.Token, cursor.Token) < 0));
#pragma warning restore CA1309
        }
        return await q.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Token).Take(take).ToListAsync(ct);
    }

    private static (string Kind, SanctionScopeSpec Scope, EndSpec End) Parse(BulkOrder content) => (content.Kind, content.Scope, content.End);

    private static void EnsureUsable(BulkSanctionPreview row, DateTimeOffset now)
    {
        if (row.ExecutedAt is not null)
        {
            throw GrpcErrors.FailedPrecondition("this bulk sanction was already executed");
        }
        if (row.ExpiresAt <= now)
        {
            throw GrpcErrors.FailedPrecondition("the preview token has expired; preview again");
        }
    }

    private Task<BulkSanctionPreview?> LockAsync(string token, CancellationToken ct) => db.LockAsync<BulkSanctionPreview>(token, ct);

    private async Task<(List<(PlayerRef Player, bool AlreadySanctioned)> Found, List<string> Unknown)> ResolvePlayersAsync(
        IEnumerable<string> requested, string kind, SanctionScopeSpec scope, DateTimeOffset now, CancellationToken ct)
    {
        var ids = requested.Distinct(StringComparer.Ordinal).ToArray();
        var players = await db.Set<Player>().AsNoTracking()
            .Where(p => ids.Contains(p.PlayerId))
            .Select(p => new PlayerRef(p.PlayerId, p.GameServerId))
            .ToListAsync(ct);
        // Players on game servers the caller may not see are reported as unknown: their existence is not revealed.
        var visible = players.Where(p => Caller.SeesPlayer(p.GameServerId)).ToDictionary(p => p.PlayerId, StringComparer.Ordinal);
        var sanctionedIds = kind == SanctionKinds.Kick
            ? []
            : await db.Set<Sanction>().AsNoTracking()
                .Where(s => ids.Contains(s.PlayerId) && s.Kind == kind && s.LiftedAt == null && (s.EndsAt == null || s.EndsAt > now)
                    && (s.ScopeGameServerId == null || s.ScopeGameServerId == scope.GameServerId))
                .Select(s => s.PlayerId).Distinct().ToListAsync(ct);
        var already = sanctionedIds.ToHashSet(StringComparer.Ordinal);
        var found = ids.Where(visible.ContainsKey).Select(id => (visible[id], already.Contains(id))).ToList();
        var unknown = ids.Where(id => !visible.ContainsKey(id)).ToList();
        return (found, unknown);
    }
}
