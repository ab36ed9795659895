using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Anomalies;

/// <summary>What the thresholds did for one player and kind.</summary>
public enum PolicyOutcome
{
    Nothing,
    CaseOpened,
    AddedToCase,
    Banned,
}

/// <summary>
/// Thresholds in action, decided from the record (PostgreSQL), never from the live counters alone: under a
/// per-player-and-kind advisory lock, the player's reports of the kind that no case or sanction has taken yet are
/// counted per threshold (window, minimum severity, times the dismissal weight). A crossed temporary-ban threshold
/// bans at once through <see cref="SanctionDesk"/> as the system actor with the reports as evidence, and records
/// the automatic action as a closed case; a crossed case threshold opens one case, or adds the reports to the one
/// already waiting (a partial unique index backs the lock). The reports are taken by that case in the same
/// transaction, so whoever comes second — another batch, another replica — finds nothing left to count.
/// A ban the sanctions desk refuses (guard rail, unknown player) becomes a case for a GM instead.
/// </summary>
public sealed class AnomalyPolicyDesk(IServiceScopeFactory scopes, IOptionsMonitor<AnomalyOptions> options, TimeProvider time, ILogger<AnomalyPolicyDesk> logger)
{
    public async Task<PolicyOutcome> ApplyAsync(string playerId, AnomalyKindVersion kind, CancellationToken ct)
    {
        var rules = kind.ThresholdRules;
        if (rules.Count == 0)
        {
            return PolicyOutcome.Nothing;
        }
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().Caller = Caller.System;
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync($"anomaly-policy:{playerId}:{kind.Name}", ct);
        var since = now - rules.Max(r => r.Window);
        var untaken = await db.Set<AnomalyReport>()
            .Where(r => r.PlayerId == playerId && r.Kind == kind.Name && r.CaseId == null && r.OccurredAt > since)
            .OrderBy(r => r.AnomalyId)
            .Take(AnomalyLimits.CaseReports)
            .ToListAsync(ct);
        var weight = await WeightAsync(db, playerId, kind.Name, now, ct);
        if (untaken.Count == 0)
        {
            return PolicyOutcome.Nothing;
        }
        var crossed = AnomalyRules.Crossed(rules, untaken, now, weight);
        var waiting = await db.Set<AnomalyCase>()
            .FirstOrDefaultAsync(c => c.PlayerId == playerId && c.Kind == kind.Name && AnomalyCaseStates.Waiting.Contains(c.State), ct);
        if (crossed is null && waiting is null)
        {
            return PolicyOutcome.Nothing;
        }
        var outcome = PolicyOutcome.Nothing;
        if (crossed is { } hit && hit.Rule.Action == AnomalyActions.TemporaryBan)
        {
            if (await TryBanAsync(scope.ServiceProvider, db, playerId, kind, hit, now, ct) is { } banned)
            {
                outcome = PolicyOutcome.Banned;
                await TakeAsync(db, banned, hit.Reports, ct);
            }
        }
        if (outcome == PolicyOutcome.Nothing && waiting is not null)
        {
            // A case for this pattern is waiting for a GM: whatever arrives meanwhile is part of it.
            await TakeAsync(db, waiting, untaken, ct);
            outcome = PolicyOutcome.AddedToCase;
        }
        else if (outcome == PolicyOutcome.Nothing)
        {
            outcome = await OpenAsync(scope.ServiceProvider, db, playerId, kind, crossed!, now, ct);
        }
        await tx.CommitAsync(ct);
        return outcome;
    }

    private async Task<AnomalyCase?> TryBanAsync(IServiceProvider services, GmToolsDbContext db, string playerId, AnomalyKindVersion kind,
        AnomalyRules.Hit hit, DateTimeOffset now, CancellationToken ct)
    {
        var inForce = await db.Set<Sanction>().AsNoTracking()
            .AnyAsync(s => s.PlayerId == playerId && s.Kind == SanctionKinds.Ban && s.LiftedAt == null && (s.EndsAt == null || s.EndsAt > now), ct);
        if (inForce)
        {
            return null; // already banned: what still arrives waits for a GM instead of stacking bans
        }
        var gameServerId = hit.Reports[^1].GameServerId;
        var order = new IssueOrder(
            playerId, SanctionKinds.Ban, new SanctionScopeSpec(gameServerId), new EndSpec(null, hit.Rule.BanDuration, false),
            options.CurrentValue.BanReasonCode,
            $"anomaly threshold '{kind.Name}': {AnomalyRules.Describe(hit.Rule)} ({hit.Reports.Count} reports)",
            [], [.. hit.Reports.Take(SanctionLimits.EvidenceIds).Select(r => r.AnomalyId.ToString(System.Globalization.CultureInfo.InvariantCulture))], "",
            $"anomaly kind '{kind.Name}' version {kind.Version} sets the length");
        await db.Database.ExecuteSqlRawAsync("SAVEPOINT anomaly_ban", ct);
        try
        {
            var issued = await services.GetRequiredService<SanctionDesk>().IssueAsync(order, ct);
            var record = NewCase(playerId, gameServerId, kind, hit, now, AnomalyCaseStates.AutoBanned);
            record.SanctionId = issued.Sanction.SanctionId;
            record.DecidedBy = Caller.System.Id;
            record.DecidedAt = now;
            db.Add(record);
            await db.SaveChangesAsync(ct);
            await services.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry("anomaly.case.auto_ban", "anomaly_case",
                record.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new { record.Kind, record.Trigger, record.SanctionId, anomalyIds = hit.Reports.Select(r => r.AnomalyId).ToArray() },
                PlayerId: playerId, GameServerId: gameServerId), ct);
            logger.LogInformation("Anomaly threshold {Kind} banned {PlayerId} (sanction {SanctionId})", kind.Name, playerId, issued.Sanction.SanctionId);
            return record;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            await db.Database.ExecuteSqlRawAsync("ROLLBACK TO SAVEPOINT anomaly_ban", ct);
            logger.LogWarning("Anomaly threshold {Kind} could not ban {PlayerId} ({Status}: {Detail}); a case waits for a GM instead",
                kind.Name, playerId, e.StatusCode, e.Status.Detail);
            return null;
        }
    }

    private static async Task<PolicyOutcome> OpenAsync(IServiceProvider services, GmToolsDbContext db, string playerId, AnomalyKindVersion kind,
        AnomalyRules.Hit hit, DateTimeOffset now, CancellationToken ct)
    {
        var home = await db.Set<Players.Player>().AsNoTracking().Where(p => p.PlayerId == playerId).Select(p => p.GameServerId).FirstOrDefaultAsync(ct);
        var opened = NewCase(playerId, home ?? hit.Reports[^1].GameServerId, kind, hit, now, AnomalyCaseStates.Open);
        db.Add(opened);
        await db.SaveChangesAsync(ct);
        await TakeAsync(db, opened, hit.Reports, ct);
        await services.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry("anomaly.case.open", "anomaly_case",
            opened.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { opened.Kind, opened.Severity, opened.Trigger, anomalyIds = hit.Reports.Select(r => r.AnomalyId).ToArray() },
            PlayerId: playerId, GameServerId: opened.GameServerId), ct);
        return PolicyOutcome.CaseOpened;
    }

    private static AnomalyCase NewCase(string playerId, string gameServerId, AnomalyKindVersion kind, AnomalyRules.Hit hit, DateTimeOffset now, string state)
    {
        var severity = hit.Reports.MaxBy(r => AnomalySeverities.Rank(r.Severity))!.Severity;
        return new()
        {
            PlayerId = playerId,
            GameServerId = gameServerId,
            Kind = kind.Name,
            Severity = severity,
            SeverityRank = AnomalySeverities.Rank(severity),
            State = state,
            OpenedAt = now,
            Trigger = AnomalyRules.Describe(hit.Rule),
        };
    }

    /// <summary>The reports now belong to the case (and so count for no other threshold).</summary>
    private static async Task TakeAsync(GmToolsDbContext db, AnomalyCase c, IReadOnlyList<AnomalyReport> reports, CancellationToken ct)
    {
        foreach (var r in reports)
        {
            r.CaseId = c.CaseId;
        }
        c.ReportCount += reports.Count;
        await db.SaveChangesAsync(ct);
    }

    private static async Task<double> WeightAsync(GmToolsDbContext db, string playerId, string kind, DateTimeOffset now, CancellationToken ct) =>
        await db.Set<AnomalyWeight>().AsNoTracking()
            .Where(w => w.PlayerId == playerId && w.Kind == kind && w.Until > now)
            .Select(w => (double?)w.Factor).MaxAsync(ct) ?? 1.0;
}
