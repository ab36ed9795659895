using GmTools.Server.Audit;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Issues, lifts and re-times sanctions. Each change, its game-server commands and its audit record commit
/// in one transaction; the caches are invalidated after the commit.
/// </summary>
public sealed class SanctionDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    RequestContext request,
    SanctionCommands commands,
    SanctionGuardRail guardRail,
    SanctionAccessCache cache,
    IOptionsMonitor<SanctionOptions> options,
    IEnumerable<IPlayerFollowUps> followUps,
    Cases.CaseDecisionEscalation caseEscalation,
    TimeProvider time)
{
    // An explicit end within this of the ladder's proposal is taken as the proposal itself.
    private static readonly TimeSpan ProposalTolerance = TimeSpan.FromMinutes(1);

    private Caller Caller => request.Caller;

    public async Task<IssuedSanction> IssueAsync(IssueOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // The ladder's count goes in the same query as the player and the scope: one round trip before the transaction.
        var steps = order.Kind == SanctionKinds.Kick ? null : OffenseLadder.Steps(options.CurrentValue, order.ReasonCode, order.Kind);
        var (player, prior) = await FindTargetAsync(order.PlayerId, order.Scope, steps is null ? null : (order.Kind, order.ReasonCode), ct);
        var (endsAt, step) = DecideEnd(order, now, steps is null ? null : OffenseLadder.Propose(steps, prior));

        await using var tx = await db.BeginWorkAsync(ct);
        var ids = await guardRail.EnsureWithinAsync(Caller.Id, [player.PlayerId], now, ct);
        var sanction = NewSanction(order, player, now, endsAt, step);
        sanction.SanctionId = ids[0];
        var targets = await WriteIssuedAsync(sanction, ct);
        await tx.CommitAsync(ct);
        await InvalidateAsync(sanction);
        return new IssuedSanction(sanction, targets);
    }

    public async Task<Sanction> LiftAsync(LiftOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var sanction = await LockVisibleAsync(order.SanctionId, ct);
        if (order.CaseId is { } caseId)
        {
            await Cases.CaseReferences.EnsureMadeFromAsync(db, Caller, caseId, [sanction.PlayerId], "a lift", ct);
            await EnsureMayLiftFromCaseAsync(sanction, caseId, ct);
            sanction.LiftCaseId = caseId;
        }
        else
        {
            EnsureMayChange(sanction);
        }
        if (sanction.LiftedAt is not null)
        {
            throw GrpcErrors.FailedPrecondition($"sanction {sanction.SanctionId} was already lifted");
        }
        await ApplyLiftAsync(sanction, order.Reason, order.Wrongful, now, ct);
        await audit.AppendAsync(new AuditEntry("sanction.lift", "sanction", Id(sanction),
            new { sanction.Kind, order.Wrongful, caseId = order.CaseId }, PlayerId: sanction.PlayerId, GameServerId: sanction.ScopeGameServerId,
            Reason: order.Reason, TicketRef: order.TicketRef), ct);
        if (order.Wrongful)
        {
            await followUps.SignalAfterCommitAsync(db, PlayerFollowUpEvents.SanctionLifted);
        }
        await tx.CommitAsync(ct);
        await InvalidateAsync(sanction);
        return sanction;
    }

    public async Task<Sanction> ChangeEndAsync(ChangeEndOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var newEnd = order.End.Resolve(now);
        await using var tx = await db.BeginWorkAsync(ct);
        var sanction = await LockVisibleAsync(order.SanctionId, ct);
        EnsureMayChange(sanction);
        if (!sanction.IsActiveAt(now))
        {
            throw GrpcErrors.FailedPrecondition($"sanction {sanction.SanctionId} is not in force");
        }
        CheckEndBounds(order.End.Field("end"), sanction.Kind, newEnd, now);
        var previous = sanction.EndsAt;
        sanction.EndsAt = newEnd;
        await db.SaveChangesAsync(ct);
        commands.EndChanged(sanction, await commands.TargetsAsync(sanction.ScopeGameServerId, ct));
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("sanction.change_end", "sanction", Id(sanction),
            new { sanction.Kind, from = previous, to = newEnd }, PlayerId: sanction.PlayerId, GameServerId: sanction.ScopeGameServerId,
            Reason: order.Reason, TicketRef: order.TicketRef), ct);
        await tx.CommitAsync(ct);
        await InvalidateAsync(sanction);
        return sanction;
    }

    /// <summary>Marks the sanction lifted and queues the unmute/unban, in the caller's transaction (appeals use it too).</summary>
    internal async Task ApplyLiftAsync(Sanction sanction, string reason, bool wrongful, DateTimeOffset now, CancellationToken ct)
    {
        var wasInForce = sanction.IsActiveAt(now);
        sanction.LiftedAt = now;
        sanction.LiftedBy = Caller.Id;
        sanction.LiftReason = reason;
        sanction.LiftedAsWrongful = wrongful;
        if (wasInForce)
        {
            commands.Lifted(sanction, await commands.TargetsAsync(sanction.ScopeGameServerId, ct));
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Writes a new sanction, its commands and its audit record in the caller's transaction.</summary>
    /// <remarks>One INSERT batch: the id is reserved first (by the guard rail, or here), so the commands and the
    /// audit record that carry it go with the sanction.</remarks>
    internal async Task<IReadOnlyList<string>> WriteIssuedAsync(Sanction sanction, CancellationToken ct)
    {
        if (sanction.SanctionId == 0)
        {
            sanction.SanctionId = (await SanctionIds.ReserveAsync(db, 1, ct))[0];
        }
        db.Add(sanction);
        var targets = await commands.TargetsAsync(sanction.ScopeGameServerId, ct);
        commands.Issued(sanction, targets);
        audit.Stage(new AuditEntry("sanction.issue", "sanction", Id(sanction),
            new
            {
                sanction.Kind,
                scope = sanction.ScopeGameServerId ?? "all",
                sanction.EndsAt,
                sanction.ReasonCode,
                chatLineIds = sanction.EvidenceChatLineIds,
                anomalyReportIds = sanction.EvidenceAnomalyReportIds,
                sanction.LadderStep,
                sanction.OverrideReason,
                sanction.BulkToken,
                sanction.ApprovedBy,
                notified = targets,
            },
            PlayerId: sanction.PlayerId, GameServerId: sanction.ScopeGameServerId, Reason: sanction.Reason, TicketRef: sanction.TicketRef));
        await db.SaveChangesAsync(ct);
        return targets;
    }

    internal Sanction NewSanction(IssueOrder order, PlayerRef player, DateTimeOffset now, DateTimeOffset? endsAt, int step) => new()
    {
        PlayerId = player.PlayerId,
        Kind = order.Kind,
        ScopeGameServerId = order.Scope.GameServerId,
        PlayerGameServerId = player.GameServerId,
        IssuedAt = now,
        EndsAt = endsAt,
        ReasonCode = order.ReasonCode,
        Reason = order.Reason,
        EvidenceChatLineIds = [.. order.ChatLineIds],
        EvidenceAnomalyReportIds = [.. order.AnomalyReportIds],
        TicketRef = order.TicketRef,
        IssuedBy = Caller.Id,
        LadderStep = step,
        OverrideReason = order.OverrideReason,
    };

    /// <summary>After the commit, whoever owns the transaction (an idempotent call's may still be open here).</summary>
    internal Task InvalidateAsync(Sanction sanction) =>
        sanction.Kind == SanctionKinds.Kick ? Task.CompletedTask : db.AfterCommitAsync(() => cache.InvalidateAsync(sanction.PlayerId));

    /// <summary>Staff scoped to other game servers learn nothing, not even that the player exists.</summary>
    internal async Task<PlayerRef> FindVisiblePlayerAsync(string playerId, CancellationToken ct)
    {
        var player = await db.Set<Player>().AsNoTracking()
            .Where(p => p.PlayerId == playerId)
            .Select(p => new PlayerRef(p.PlayerId, p.GameServerId))
            .FirstOrDefaultAsync(ct);
        if (player is null || !Caller.SeesPlayer(player.GameServerId))
        {
            throw GrpcErrors.NotFound(ObjectRules.PlayerNotFound(playerId));
        }
        return player;
    }

    /// <summary>
    /// <see cref="FindVisiblePlayerAsync"/>, <see cref="CheckScopeAsync"/> and, when <paramref name="ladderOf"/> is
    /// given, the offense ladder's count (<see cref="OffenseLadder.ProposeAsync"/>) in one query (the hot path of a
    /// mute), with the same answers in the same order: an unseen player first, then the caller's scope, then the server.
    /// </summary>
    /// <remarks>Raw and prepared rather than LINQ: on the write path's profile PostgreSQL spent about a third of its
    /// CPU parsing and planning statements again for every mute, and EF's query pipeline is per-call CPU in process
    /// too (docs/benchmarks.md, "Write path"). The statement is prepared once per pooled connection.</remarks>
    internal async Task<(PlayerRef Player, int PriorOffenses)> FindTargetAsync(string playerId, SanctionScopeSpec scope,
        (string Kind, string ReasonCode)? ladderOf, CancellationToken ct)
    {
        var scopeId = scope.GameServerId;
        PlayerRef? player = null;
        var scopeRegistered = false;
        var prior = 0;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(TargetQuery, (NpgsqlConnection)db.Database.GetDbConnection(),
                (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = playerId });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)scopeId ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)ladderOf?.Kind ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)ladderOf?.ReasonCode ?? DBNull.Value });
            await cmd.PrepareAsync(ct);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                player = new PlayerRef(reader.GetString(0), reader.GetString(1));
                scopeRegistered = reader.GetBoolean(2);
                prior = reader.GetInt32(3);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        if (player is null || !Caller.SeesPlayer(player.GameServerId))
        {
            throw GrpcErrors.NotFound(ObjectRules.PlayerNotFound(playerId));
        }
        Caller.EnsureMaySanctionOn(scopeId);
        if (!scopeRegistered)
        {
            throw GrpcErrors.InvalidArgument("scope.game_server_id", "is not a registered game server");
        }
        return (player, prior);
    }

    // $1 player, $2 scope (null: all servers), $3 kind and $4 reason code of the ladder (null: no ladder). The count
    // is the ladder's (OffenseLadder.ProposeAsync): wrongful lifts do not count.
    private const string TargetQuery = """
        SELECT p.player_id, p.game_server_id,
               $2::text IS NULL OR EXISTS (SELECT 1 FROM game_servers g WHERE g.game_server_id = $2),
               CASE WHEN $3::text IS NULL THEN 0 ELSE (
                   SELECT count(*)::int FROM sanctions s
                   WHERE s.player_id = $1 AND s.kind = $3 AND s.reason_code = $4 AND NOT s.lifted_as_wrongful) END
        FROM players p WHERE p.player_id = $1
        LIMIT 1
        """;

    internal async Task CheckScopeAsync(SanctionScopeSpec scope, CancellationToken ct)
    {
        Caller.EnsureMaySanctionOn(scope.GameServerId);
        if (scope.GameServerId is not null && !await db.Set<GameServerEntity>().AnyAsync(g => g.GameServerId == scope.GameServerId, ct))
        {
            throw GrpcErrors.InvalidArgument("scope.game_server_id", "is not a registered game server");
        }
    }

    internal void CheckEndBounds(string field, string kind, DateTimeOffset? endsAt, DateTimeOffset now)
    {
        var o = options.CurrentValue;
        if (endsAt is null)
        {
            var allowed = kind == SanctionKinds.Ban ? o.PermanentBanAllowed : o.PermanentMuteAllowed;
            if (!allowed)
            {
                throw GrpcErrors.InvalidArgument(field, $"a permanent {kind} is not allowed");
            }
            return;
        }
        if (endsAt <= now)
        {
            throw GrpcErrors.InvalidArgument(field, "must be in the future");
        }
        var max = kind == SanctionKinds.Ban ? o.MaxBanDuration : o.MaxMuteDuration;
        if (endsAt - now > max)
        {
            throw GrpcErrors.InvalidArgument(field, $"a {kind} may last at most {max}");
        }
    }

    /// <param name="proposal">The ladder's proposal for this player, reason code and kind (null: no ladder, or a kick).</param>
    private (DateTimeOffset? EndsAt, int Step) DecideEnd(IssueOrder order, DateTimeOffset now, LadderProposal? proposal)
    {
        if (order.Kind == SanctionKinds.Kick)
        {
            return (null, 0);
        }
        if (order.End is null)
        {
            if (proposal is null)
            {
                throw GrpcErrors.InvalidArgument("end", $"is required: reason code '{order.ReasonCode}' has no offense ladder for a {order.Kind}");
            }
            return (proposal.Duration is { } d ? now + d : null, proposal.Step);
        }
        var endsAt = order.End.Resolve(now);
        CheckEndBounds(order.End.Field("end"), order.Kind, endsAt, now);
        if (proposal is null)
        {
            return (endsAt, 0);
        }
        if (!MatchesProposal(proposal, endsAt, now) && string.IsNullOrWhiteSpace(order.OverrideReason))
        {
            var proposed = proposal.Duration is { } p ? p.ToString() : "permanent";
            throw GrpcErrors.InvalidArgument("override_reason", $"is required: the end differs from the offense ladder's proposal ({proposed}, step {proposal.Step})");
        }
        return (endsAt, proposal.Step);
    }

    private static bool MatchesProposal(LadderProposal proposal, DateTimeOffset? endsAt, DateTimeOffset now) =>
        (proposal.Duration, endsAt) switch
        {
            (null, null) => true,
            ({ } d, { } e) => (e - (now + d)).Duration() <= ProposalTolerance,
            _ => false,
        };

    private async Task<Sanction> LockVisibleAsync(long sanctionId, CancellationToken ct)
    {
        return Caller.VisibleSanction(await db.LockAsync<Sanction>(sanctionId, ct), sanctionId);
    }

    /// <summary>The appealed sanction, locked; NOT_FOUND with <paramref name="notFound"/> (the appeal's message) when out of scope.</summary>
    internal async Task<Sanction> LockForAppealAsync(long sanctionId, CancellationToken ct, string? notFound = null) =>
        Caller.VisibleOrNotFound(await db.LockAsync<Sanction>(sanctionId, ct), Caller.SeesSanction, notFound ?? ObjectRules.SanctionNotFound(sanctionId));

    /// <summary>On the sanction's scope (where it applies), not on the player's home server.</summary>
    internal void EnsureMayChange(Sanction sanction) => Caller.EnsureMayChangeSanction(sanction);

    /// <summary>
    /// A lift made from a case that the caller may not make (issue #17: escalated, not refused silently): the case
    /// goes up to the level that may decide it — committed on its own, since this lift rolls back — and the lift is
    /// still refused, saying so.
    /// </summary>
    private async Task EnsureMayLiftFromCaseAsync(Sanction sanction, long caseId, CancellationToken ct)
    {
        try
        {
            EnsureMayChange(sanction);
        }
        catch (Grpc.Core.RpcException refused) when (refused.StatusCode == Grpc.Core.StatusCode.PermissionDenied && sanction.LiftedAt is null)
        {
            var level = await caseEscalation.EscalateRefusedAsync(caseId, Permissions.SanctionsLift,
                $"lift of sanction {Id(sanction)} (issued by {sanction.IssuedBy}) refused to {Caller.Id}", ct);
            throw GrpcErrors.PermissionDenied($"{refused.Status.Detail}; case {caseId} was escalated to {level}, which decides it");
        }
    }

    private static string Id(Sanction s) => s.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record PlayerRef(string PlayerId, string GameServerId);
