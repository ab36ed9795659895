using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace GmTools.Server.Cases;

/// <summary>
/// Marks SLA warnings and breaches of open cases, as the system. One replica at a time (an advisory lock for the
/// transaction, and the rows FOR UPDATE SKIP LOCKED besides, so a desk working a case is never waited on); a breach
/// escalates the case one level. Paused cases (waiting for the player) are skipped: their deadlines move on resume.
/// </summary>
public sealed class CaseSlaWatch(GmToolsDbContext db, CaseDesk desk, AuditWriter audit, IOptionsMonitor<CaseOptions> options, TimeProvider time)
{
    public sealed record SweepResult(int Warned, int Breached);

    public async Task<SweepResult> SweepAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        var horizon = now + o.WarnBefore;
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("cases.sla-watch", ct);
        var due = await db.Set<PlayerCase>().FromSql($"""
            SELECT * FROM player_cases
            WHERE paused_at IS NULL AND (
                (first_response_at IS NULL AND first_response_breached_at IS NULL AND first_response_due <= {horizon}
                    AND (first_response_warned_at IS NULL OR first_response_due <= {now}))
             OR (state IN ({CaseStates.New}, {CaseStates.InProgress}, {CaseStates.WaitingForPlayer}) AND resolution_breached_at IS NULL AND resolution_due <= {horizon}
                    AND (resolution_warned_at IS NULL OR resolution_due <= {now})))
            ORDER BY case_id LIMIT {o.SlaSweepBatch} FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        int warned = 0, breached = 0;
        foreach (var c in due)
        {
            var breaches = new List<string>();
            if (c.FirstResponseAt is null && c.FirstResponseBreachedAt is null)
            {
                switch (Judge(c.FirstResponseDue, c.FirstResponseWarnedAt, now, horizon))
                {
                    case Verdict.Breach:
                        c.FirstResponseBreachedAt = now;
                        breaches.Add("first_response");
                        break;
                    case Verdict.Warn:
                        c.FirstResponseWarnedAt = now;
                        warned++;
                        await audit.AppendAsync(Entry("case.sla_warning", c, new { deadline = "first_response", due = c.FirstResponseDue }), ct);
                        break;
                }
            }
            if (CaseStates.Open.Contains(c.State) && c.ResolutionBreachedAt is null)
            {
                switch (Judge(c.ResolutionDue, c.ResolutionWarnedAt, now, horizon))
                {
                    case Verdict.Breach:
                        c.ResolutionBreachedAt = now;
                        breaches.Add("resolution");
                        break;
                    case Verdict.Warn:
                        c.ResolutionWarnedAt = now;
                        warned++;
                        await audit.AppendAsync(Entry("case.sla_warning", c, new { deadline = "resolution", due = c.ResolutionDue }), ct);
                        break;
                }
            }
            await db.SaveChangesAsync(ct);
            if (breaches.Count > 0)
            {
                // Both deadlines breached in one pass escalate once: one level per pass.
                breached++;
                await audit.AppendAsync(Entry("case.sla_breach", c, new { deadlines = breaches }), ct);
                await desk.EscalateAsync(c, $"SLA breached ({string.Join(", ", breaches)})", automatic: true, now, ct);
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new SweepResult(warned, breached);
    }

    private enum Verdict { None, Warn, Breach }

    private static Verdict Judge(DateTimeOffset due, DateTimeOffset? warnedAt, DateTimeOffset now, DateTimeOffset horizon) =>
        due <= now ? Verdict.Breach : due <= horizon && warnedAt is null ? Verdict.Warn : Verdict.None;

    private static AuditEntry Entry(string action, PlayerCase c, object change) =>
        new(action, "case", c.CaseId.ToString(CultureInfo.InvariantCulture), change, PlayerId: c.PlayerId, GameServerId: c.GameServerId,
            TicketRef: "case:" + c.CaseId.ToString(CultureInfo.InvariantCulture));
}

/// <summary>The clustered SLA watch (one run at a time across the cluster).</summary>
[DisallowConcurrentExecution]
public sealed class CaseSlaJob(CaseSlaWatch watch) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await watch.SweepAsync(cancellationToken);
}
