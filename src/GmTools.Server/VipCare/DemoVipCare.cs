using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using GmTools.Server.Staffing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>
/// VIP care in the demo world. The players' sync has already given the demo VIPs their tiers and welcome visits (the
/// hook). This adds: two agents on duty (amy.agent, ann.agent) who are given the open visits; eight weeks of past
/// periodic visits written as history (as an import from the old call-centre tool would: evenings reach players far
/// more often than afternoons, so the reach rates and the retry bands have something to show); an old visit left
/// overdue; and today's first calls through the desk — the whale reached and satisfied with a follow-up asked for,
/// another VIP missed and moved to their best band. Seeded once: when any call exists, nothing is added.
/// </summary>
public sealed class DemoVipCare(GmToolsDbContext db, RequestContext request, IOptionsMonitor<StaffingOptions> staffing) : IDemoSeeder
{
    public const string Ann = "ann.agent";

    public int Order => DemoOrder.VipCare;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        if (await db.Set<VisitAttemptEntity>().AnyAsync(ct))
        {
            return "vip care: already seeded";
        }
        var services = demo.Services;
        var now = demo.Now;
        string[] agents = [DemoActors.Agent.Id, Ann];
        foreach (var agent in agents)
        {
            request.Caller = DemoActors.Staff(agent, Role.Agent);
            await services.GetRequiredService<StaffRoster>().SetMyDutyAsync(true, ct);
        }
        request.Caller = Caller.System;

        var vips = await db.Set<VipPlayer>().AsNoTracking().Where(v => v.Tier != "")
            .Join(db.Set<Players.Player>(), v => v.PlayerId, p => p.PlayerId, (v, p) => new { v.PlayerId, v.Tier, p.GameServerId })
            .OrderBy(v => v.PlayerId).ToListAsync(ct);
        var calls = await SeedHistoryAsync(vips.Select(v => (v.PlayerId, v.Tier, v.GameServerId)).ToList(), agents, now, ct);

        var planner = services.GetRequiredService<VisitPlanner>();
        var overdue = await planner.MarkOverdueAsync(ct);
        var assigned = await planner.AssignOpenAsync(ct);

        // Today's first calls, through the desk as the agent who has the visit.
        var open = await db.Set<VisitTask>().AsNoTracking()
            .Where(t => t.Reason == VisitReasons.Welcome && t.State == VisitStates.Open && t.Assignee != null)
            .OrderBy(t => t.PlayerId).ToListAsync(ct);
        var whale = open.FirstOrDefault(t => t.PlayerId == DemoStory.Whale);
        var other = open.FirstOrDefault(t => t.PlayerId != DemoStory.Whale);
        var today = 0;
        if (whale is not null)
        {
            request.Caller = DemoActors.Staff(whale.Assignee!, Role.Agent);
            await DemoActors.DeskAt<VisitDesk>(services, now.AddMinutes(-20)).RecordOutcomeAsync(new OutcomeOrder(whale.TaskId, VisitOutcomes.Reached, 5,
                "欢迎升级黄金VIP；询问龙骑活动奖励，已转案件。 Welcomed to gold; asked about the dragon-mount reward, passed to a case.", null, FollowUpNeeded: true), ct);
            today++;
        }
        if (other is not null)
        {
            request.Caller = DemoActors.Staff(other.Assignee!, Role.Agent);
            await DemoActors.DeskAt<VisitDesk>(services, now.AddMinutes(-10)).RecordOutcomeAsync(
                new OutcomeOrder(other.TaskId, VisitOutcomes.NotReached, null, "无人接听 no answer", null, false), ct);
            today++;
        }
        request.Caller = Caller.System;
        return $"vip care: {vips.Count} VIPs, on duty {string.Join(" and ", agents)}, {assigned} visits assigned, {calls} past calls over 8 weeks, {overdue} overdue, {today} calls today";
    }

    /// <summary>
    /// Weekly past periodic visits of up to 24 VIPs, alternating agents: a miss in the afternoon band, then (usually)
    /// a reach in the evening; the last one of one player is still open and long overdue.
    /// </summary>
    private async Task<int> SeedHistoryAsync(List<(string PlayerId, string Tier, string GameServerId)> vips, string[] agents, DateTimeOffset now, CancellationToken ct)
    {
        var offset = staffing.CurrentValue.LocalOffset;
        var localToday = new DateTimeOffset(now.ToOffset(offset).Date, offset);
        var bands = HourBands.From(new VipCareOptions(), offset);
        var calls = 0;
        var n = 0;
        foreach (var (playerId, tier, gs) in vips.Take(24))
        {
            for (var week = 8; week >= 1; week--, n++)
            {
                var agent = agents[n % agents.Length];
                var day = localToday.AddDays(-7 * week + n % 5);
                var due = day.AddHours(12).ToUniversalTime();
                var afternoon = day.AddHours(15 + n % 2).ToUniversalTime();
                var evening = day.AddHours(19 + n % 2).AddMinutes(10).ToUniversalTime();
                var reached = n % 4 != 3;
                var attempts = new List<VisitAttemptEntity>
                {
                    new() { Agent = agent, Outcome = VisitOutcomes.NotReached, CalledAt = afternoon, Notes = "无人接听 no answer" },
                    new() { Agent = agent, Outcome = reached ? VisitOutcomes.Reached : VisitOutcomes.NotReached, CalledAt = evening,
                            Satisfaction = reached ? 3 + n % 3 : null, Notes = reached ? "满意 fine, no complaints" : "关机 phone off" },
                };
                var task = new VisitTask
                {
                    PlayerId = playerId, GameServerId = gs, Tier = tier, Reason = VisitReasons.Periodic, Source = $"demo:{playerId}:{week}",
                    State = reached ? VisitStates.Done : VisitStates.Unreachable, Assignee = agent, AssignedAt = due.AddDays(-1), DueAt = due,
                    Attempts = 2, Misses = reached ? 1 : 2, LastOutcome = attempts[^1].Outcome, Satisfaction = attempts[^1].Satisfaction,
                    Notes = attempts[^1].Notes, CreatedAt = due.AddDays(-1), CreatedBy = "system", CompletedAt = evening,
                    CompletedBy = reached ? agent : null, UpdatedAt = evening,
                };
                db.Add(task);
                await db.SaveChangesAsync(ct);
                foreach (var a in attempts)
                {
                    a.TaskId = task.TaskId;
                    a.PlayerId = playerId;
                    a.GameServerId = gs;
                    a.Tier = tier;
                    a.HourBand = bands.BandOf(a.CalledAt);
                    db.Add(a);
                    calls++;
                }
            }
        }
        if (vips.Count > 0)
        {
            var (playerId, tier, gs) = vips[^1];
            // A churn-risk call nobody made: due three days ago, still with ann.
            db.Add(new VisitTask
            {
                PlayerId = playerId, GameServerId = gs, Tier = tier, Reason = VisitReasons.ChurnRisk, State = VisitStates.Open,
                Assignee = Ann, AssignedAt = now.AddDays(-5), DueAt = now.AddDays(-3), CreatedAt = now.AddDays(-5), CreatedBy = "system", UpdatedAt = now.AddDays(-5),
            });
        }
        await db.SaveChangesAsync(ct);
        return calls;
    }
}
