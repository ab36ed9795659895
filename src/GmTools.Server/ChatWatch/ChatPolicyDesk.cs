using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// Policies in action: when a player's pending flags of a category within a policy's window reach its count, the
/// system actor issues the sanction through <see cref="SanctionDesk"/> (offense ladder, guard rail, audit, game-server
/// command) and the flags become its evidence, in one transaction. A per-player advisory lock makes this happen once
/// even when the same player's lines arrive through several replicas at once: whoever comes second finds the flags
/// already consumed. A sanction the desk refuses (unknown player, guard rail) leaves the flags in the review queue.
/// </summary>
public sealed class ChatPolicyDesk(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, TimeProvider time, ILogger<ChatPolicyDesk> logger)
{
    /// <summary>
    /// Applies the policies of the categories just flagged; returns how many sanctions were issued. One statement
    /// first finds the (player, policy) pairs that are due — enough pending flags in the window and no sanction of
    /// the policy's kind in force — and only those take the locked transaction below, which checks both again. Safe
    /// to skip the others: flags are stored (committed) before this runs, so whichever ingest stores the flag that
    /// makes a count reach N sees all N here, whatever replica stored the rest.
    /// </summary>
    public async Task<int> ApplyAsync(IReadOnlyList<NewFlag> flags, CompiledRules rules, CancellationToken ct)
    {
        var candidates = flags.Select(f => (f.PlayerId, f.Category)).Distinct()
            .SelectMany(pc => rules.PoliciesFor(pc.Category).Select(policy => (Player: pc.PlayerId, Policy: policy)))
            .ToList();
        if (candidates.Count == 0)
        {
            return 0;
        }
        var issued = 0;
        foreach (var i in await DueAsync(candidates, ct))
        {
            if (await ApplyAsync(candidates[i].Player, candidates[i].Policy, ct) is not null)
            {
                issued++;
            }
        }
        return issued;
    }

    /// <summary>Indexes of the candidates whose policy is due now, in order (one statement, no lock).</summary>
    private async Task<List<int>> DueAsync(List<(string Player, ChatPolicyRule Policy)> candidates, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var cmd = dataSource.CreateCommand("""
            SELECT u.i - 1 FROM unnest(@players, @categories, @lines, @since, @kinds) WITH ORDINALITY AS u(player, category, lines, since, kind, i)
            WHERE (SELECT count(*) FROM (SELECT 1 FROM chat_flags f
                                         WHERE f.sender_player_id = u.player AND f.category = u.category AND f.state = @pending AND f.flagged_at > u.since
                                         LIMIT u.lines) x) >= u.lines
              AND NOT EXISTS (SELECT 1 FROM sanctions s
                              WHERE s.player_id = u.player AND s.kind = u.kind AND s.lifted_at IS NULL AND (s.ends_at IS NULL OR s.ends_at > @now))
            ORDER BY u.i
            """);
        cmd.Parameters.AddWithValue("players", candidates.Select(c => c.Player).ToArray());
        cmd.Parameters.AddWithValue("categories", candidates.Select(c => c.Policy.Category).ToArray());
        cmd.Parameters.AddWithValue("lines", candidates.Select(c => c.Policy.Lines).ToArray());
        cmd.Parameters.AddWithValue("since", candidates.Select(c => (now - c.Policy.Window).UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue("kinds", candidates.Select(c => c.Policy.SanctionKind).ToArray());
        cmd.Parameters.AddWithValue("pending", ChatReviewStates.Pending);
        cmd.Parameters.AddWithValue("now", now);
        var due = new List<int>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            due.Add((int)reader.GetInt64(0));
        }
        return due;
    }

    /// <summary>One player, one policy; the sanction id when one was issued.</summary>
    public async Task<long?> ApplyAsync(string playerId, ChatPolicyRule policy, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().Caller = Caller.System;
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var desk = scope.ServiceProvider.GetRequiredService<SanctionDesk>();
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("chat-policy:" + playerId, ct);
        var since = now - policy.Window;
        var pending = await db.Set<ChatFlag>()
            .Where(f => f.SenderPlayerId == playerId && f.Category == policy.Category && f.State == ChatReviewStates.Pending && f.FlaggedAt > since)
            .OrderBy(f => f.FlagId)
            .Take(ChatLimits.EvidenceLines)
            .ToListAsync(ct);
        if (pending.Count < policy.Lines)
        {
            return null;
        }
        var inForce = await db.Set<Sanction>().AsNoTracking()
            .AnyAsync(s => s.PlayerId == playerId && s.Kind == policy.SanctionKind && s.LiftedAt == null && (s.EndsAt == null || s.EndsAt > now), ct);
        if (inForce)
        {
            return null; // already silenced: what still arrives waits for a GM instead of stacking sanctions
        }
        var gameServerId = pending[^1].GameServerId;
        var order = new IssueOrder(
            playerId, policy.SanctionKind, new SanctionScopeSpec(gameServerId),
            policy.Duration is { } d ? new EndSpec(null, d, false) : null,
            policy.ReasonCode,
            $"chat policy '{policy.Name}': {pending.Count} {policy.Category} lines within {policy.Window}",
            [.. pending.Select(f => f.LineId)], [], "",
            policy.Duration is null ? "" : $"chat policy '{policy.Name}' sets the length");
        try
        {
            var result = await desk.IssueAsync(order, ct);
            foreach (var f in pending)
            {
                f.State = ChatReviewStates.Sanctioned;
                f.SanctionId = result.Sanction.SanctionId;
                f.Policy = policy.Name;
                f.DecidedBy = Caller.System.Id;
                f.DecidedAt = now;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            logger.LogInformation("Chat policy {Policy} issued sanction {SanctionId} to {PlayerId}", policy.Name, result.Sanction.SanctionId, playerId);
            return result.Sanction.SanctionId;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            await tx.RollbackAsync(ct);
            logger.LogWarning("Chat policy {Policy} could not sanction {PlayerId} ({Status}: {Detail}); the flags wait for review",
                policy.Name, playerId, e.StatusCode, e.Status.Detail);
            return null;
        }
    }
}
