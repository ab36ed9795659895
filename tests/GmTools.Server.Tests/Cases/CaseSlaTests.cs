using GmTools.Contracts.V1;
using GmTools.Server.Cases;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

/// <summary>No Quartz: the tests run the SLA watch themselves, on the fake clock (defaults: 3 days, warn 4 h before).</summary>
public sealed class CaseSlaFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Cases:SlaRules:0:Kind"] = "recharge",
        ["GmTools:Cases:SlaRules:0:FirstResponse"] = "1.00:00:00",
        ["GmTools:Cases:SlaRules:1:Kind"] = "recharge",
        ["GmTools:Cases:SlaRules:1:Priority"] = "urgent",
        ["GmTools:Cases:SlaRules:1:FirstResponse"] = "02:00:00",
        ["GmTools:Cases:SlaRules:1:Resolution"] = "12:00:00",
        ["GmTools:Cases:SlaRules:2:VipTier"] = "gold",
        ["GmTools:Cases:SlaRules:2:FirstResponse"] = "04:00:00",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("s1");
        await this.AddPlayerAsync("p-sla", "s1");
    }
}

public sealed class CaseSlaTests(CaseSlaFixture fx) : IClassFixture<CaseSlaFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private async Task<CaseSlaWatch.SweepResult> SweepAsync()
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CaseSlaWatch>().SweepAsync(CancellationToken.None);
    }

    // Fresh tokens each time: the clock moves by days.
    private CaseService.CaseServiceClient As(string user, Role role = Role.Agent) => fx.Cases(user, role);

    private async Task<GmTools.Contracts.V1.PlayerCase> GetAsync(long id) => (await As("amy").GetCaseAsync(new GetCaseRequest { CaseId = id })).Case;

    private Task<long> AuditCountAsync(string action, long id) =>
        fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = @a AND target_id = @id", ("a", action), ("id", id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task A_breach_is_warned_before_marked_on_time_and_escalates_one_level()
    {
        var opened = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla", "complaint", Now))).Case;
        Assert.Equal((Now.AddDays(3), Now.AddDays(3), "agent"), (opened.FirstResponseDue.ToDateTimeOffset(), opened.ResolutionDue.ToDateTimeOffset(), opened.EscalationLevel));
        await As("amy").AssignCaseAsync(new AssignCaseRequest { CaseId = opened.CaseId });
        var id = opened.CaseId;

        fx.Clock.Advance(TimeSpan.FromDays(2));
        await SweepAsync();
        Assert.Null((await GetAsync(id)).FirstResponseWarnedAt);
        fx.Clock.Advance(TimeSpan.FromHours(21)); // 3 h before
        await SweepAsync();
        var warned = await GetAsync(id);
        Assert.Equal(Now, warned.FirstResponseWarnedAt.ToDateTimeOffset());
        Assert.Equal(Now, warned.ResolutionWarnedAt.ToDateTimeOffset());
        await SweepAsync();
        Assert.Equal(2, await AuditCountAsync("case.sla_warning", id));

        fx.Clock.Advance(TimeSpan.FromHours(3));
        await SweepAsync();
        var breached = await GetAsync(id);
        Assert.Equal((Now, Now), (breached.FirstResponseBreachedAt.ToDateTimeOffset(), breached.ResolutionBreachedAt.ToDateTimeOffset()));
        Assert.Equal(("senior_agent", ""), (breached.EscalationLevel, breached.Assignee)); // both in one pass: one level
        Assert.Equal(1, await AuditCountAsync("case.escalate", id));
        await SweepAsync();
        Assert.Equal("senior_agent", (await GetAsync(id)).EscalationLevel);
        Assert.Equal(1, await AuditCountAsync("case.sla_breach", id));

        var queue = await As("gus", Role.Gm).ListCasesAsync(new ListCasesRequest { EscalationLevel = "senior_agent", BreachedOnly = true });
        Assert.Contains(queue.Cases, c => c.CaseId == id);
        // The agent may no longer decide it; the senior level may.
        await As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.InProgress });
        await RefusedAsync(() => As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.Resolved, Note = "done" }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(CaseState.Resolved, (await As("gus", Role.Gm).ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.Resolved, Note = "done" })).Case.State);
    }

    [Fact]
    public async Task Waiting_for_the_player_pauses_the_clock_and_resuming_moves_the_deadline()
    {
        var id = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla", "other", Now))).Case.CaseId;
        var due = (await GetAsync(id)).ResolutionDue.ToDateTimeOffset();
        fx.Clock.Advance(TimeSpan.FromHours(1));
        await As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.InProgress });
        fx.Clock.Advance(TimeSpan.FromDays(1));
        Assert.True((await As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.WaitingForPlayer, Note = "need the order id" })).Case.SlaPaused);
        fx.Clock.Advance(TimeSpan.FromDays(5)); // past the original deadline, but paused
        await SweepAsync();
        var paused = await GetAsync(id);
        Assert.Null(paused.ResolutionBreachedAt);
        Assert.Null(paused.ResolutionWarnedAt);
        var resumed = (await As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.InProgress })).Case;
        Assert.False(resumed.SlaPaused);
        Assert.Equal(due + TimeSpan.FromDays(5), resumed.ResolutionDue.ToDateTimeOffset());
        fx.Clock.Advance(resumed.ResolutionDue.ToDateTimeOffset() - Now - TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Null((await GetAsync(id)).ResolutionBreachedAt);
        fx.Clock.Advance(TimeSpan.FromMinutes(2));
        await SweepAsync();
        Assert.NotNull((await GetAsync(id)).ResolutionBreachedAt);
    }

    [Fact]
    public async Task Escalation_goes_through_every_level_by_hand_with_a_reason_and_stops_at_the_top()
    {
        var id = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla", "account", Now))).Case.CaseId;
        var levels = (await As("amy").ListCaseKindsAsync(new ListCaseKindsRequest())).EscalationLevels.Select(l => l.Name).ToList();
        Assert.Equal(["agent", "senior_agent", "supervisor", "operations"], levels);
        var noReason = await RefusedAsync(() => As("amy").EscalateCaseAsync(new EscalateCaseRequest { CaseId = id }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["reason"], noReason.Fields());
        foreach (var next in levels.Skip(1))
        {
            var up = (await As("amy").EscalateCaseAsync(new EscalateCaseRequest { CaseId = id, Reason = $"beyond my authority, to {next}" })).Case;
            Assert.Equal(next, up.EscalationLevel);
            Assert.Contains((await As("sue", Role.Supervisor).ListCasesAsync(new ListCasesRequest { EscalationLevel = next })).Cases, c => c.CaseId == id);
        }
        await RefusedAsync(() => As("amy").EscalateCaseAsync(new EscalateCaseRequest { CaseId = id, Reason = "more" }).ResponseAsync, StatusCode.FailedPrecondition);
        Assert.Equal(3, await AuditCountAsync("case.escalate", id));
        await As("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.InProgress });
        await RefusedAsync(() => As("sue", Role.Supervisor).ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.Resolved, Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        await As("ada", Role.Admin).ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.Resolved, Note = "account restored" });
        var notes = (await As("amy").GetCaseAsync(new GetCaseRequest { CaseId = id })).Notes.Select(n => n.Text).ToList();
        Assert.Contains("escalated supervisor -> operations: beyond my authority, to operations", notes);
    }

    [Fact]
    public async Task Automatic_escalation_climbs_a_level_per_breach_and_stays_at_the_top()
    {
        // recharge + urgent: answer within 2 h, resolve within 12 h.
        var id = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla", "recharge", Now).With(r => r.Priority = CasePriority.Urgent))).Case.CaseId;
        var c = await GetAsync(id);
        Assert.Equal((Now.AddHours(2), Now.AddHours(12)), (c.FirstResponseDue.ToDateTimeOffset(), c.ResolutionDue.ToDateTimeOffset()));
        fx.Clock.Advance(TimeSpan.FromHours(2));
        await SweepAsync();
        Assert.Equal("senior_agent", (await GetAsync(id)).EscalationLevel);
        await As("amy").EscalateCaseAsync(new EscalateCaseRequest { CaseId = id, Reason = "needs a refund decision" });
        await As("amy").EscalateCaseAsync(new EscalateCaseRequest { CaseId = id, Reason = "payment provider involved" });
        fx.Clock.Advance(TimeSpan.FromHours(10));
        await SweepAsync();
        var top = await GetAsync(id);
        Assert.Equal("operations", top.EscalationLevel);
        Assert.NotNull(top.ResolutionBreachedAt);
        Assert.Equal(2, await AuditCountAsync("case.sla_breach", id));
        Assert.Equal(3, await AuditCountAsync("case.escalate", id)); // the second breach found it at the top already
    }

    [Fact]
    public async Task A_vip_players_case_gets_the_deadline_of_their_tier()
    {
        // A gold VIP as VIP care holds it (synced recharge over the gold threshold, tier recomputed at once).
        await fx.AddPlayerAsync("p-sla-gold", "s1");
        await fx.ScalarAsync("UPDATE players SET recharge_total = 2000000 WHERE player_id = 'p-sla-gold'");
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GmTools.Server.VipCare.VipTiers>()
                .ApplyAsync(["p-sla-gold"], GmTools.Server.VipCare.TierChangeSources.Reconcile, CancellationToken.None);
        }
        Assert.Equal("gold", await fx.ScalarTextAsync("SELECT tier FROM vip_players WHERE player_id = 'p-sla-gold'"));

        var vip = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla-gold", "complaint", Now))).Case;
        Assert.Equal(Now.AddHours(4), vip.FirstResponseDue.ToDateTimeOffset());
        Assert.Equal(Now.AddDays(3), vip.ResolutionDue.ToDateTimeOffset());
        var plain = (await As("amy").OpenCaseAsync(CaseKit.Open("p-sla", "complaint", Now))).Case;
        Assert.Equal(Now.AddDays(3), plain.FirstResponseDue.ToDateTimeOffset());
    }

    [Fact]
    public void Deadlines_come_from_the_most_specific_rule()
    {
        var o = new CaseOptions
        {
            SlaRules =
            [
                new() { Kind = "bug", Resolution = TimeSpan.FromDays(10) },
                new() { Priority = CasePriorities.Urgent, FirstResponse = TimeSpan.FromHours(1) },
                new() { Kind = "bug", Priority = CasePriorities.Urgent, FirstResponse = TimeSpan.FromHours(4) },
                new() { VipTier = "gold", FirstResponse = TimeSpan.FromMinutes(30) },
            ],
        };
        Assert.Equal((TimeSpan.FromDays(3), TimeSpan.FromDays(3)), CaseSla.Targets(o, "complaint", CasePriorities.Normal));
        Assert.Equal((TimeSpan.FromDays(3), TimeSpan.FromDays(10)), CaseSla.Targets(o, "bug", CasePriorities.Normal));
        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromDays(3)), CaseSla.Targets(o, "complaint", CasePriorities.Urgent));
        Assert.Equal((TimeSpan.FromHours(4), TimeSpan.FromDays(3)), CaseSla.Targets(o, "bug", CasePriorities.Urgent));
        Assert.Equal(TimeSpan.FromMinutes(30), CaseSla.Targets(o, "complaint", CasePriorities.Normal, vipTier: "gold").FirstResponse);
    }
}
