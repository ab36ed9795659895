using GmTools.Contracts.V1;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using static GmTools.Server.Tests.VipCare.VipKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

public sealed class VipQueueFixture : VipFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("q1");
        await GameServerCredentialAsync("q2");
    }
}

/// <summary>The agents' queue: assignment, claims, outcomes, the scientific retry, reassignment, overdue, bad input.</summary>
public sealed class VipQueueTests(VipQueueFixture fx) : IClassFixture<VipQueueFixture>
{
    private static readonly string[] Agents = ["qa1", "qa2", "qb", "qc1", "qc2", "qc3", "qd", "qe", "qf1", "qf2"];

    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    /// <summary>Only these agents on duty (the roster is shared by the tests of this class).</summary>
    private async Task OnlyOnDutyAsync(params string[] agents)
    {
        await fx.OffDutyAsync([.. Agents.Except(agents)]);
        await fx.OnDutyAsync(agents);
    }

    /// <summary>A new gold player on q1 and its welcome visit, planned and assigned.</summary>
    private async Task<Visit> WelcomeAsync(string player, long recharge = Gold)
    {
        await fx.AddPlayerAsync(player, "q1", recharge, lastLogin: Now);
        await fx.PlanAsync();
        var id = (await fx.VisitsAsync(player)).Single(v => v.Reason == "welcome" && v.State == "open").Id;
        return (await fx.Vip("sam", Role.Supervisor).ListVisitsAsync(new ListVisitsRequest { PlayerId = player })).Visits.Single(v => v.VisitId == id);
    }

    private static RecordVisitOutcomeRequest Missed(long id) => new() { VisitId = id, Outcome = VisitOutcome.NotReached, Notes = "no answer" };

    [Fact]
    public async Task New_visits_go_to_the_agent_with_the_least_open_load_and_the_same_agent_keeps_the_player()
    {
        await OnlyOnDutyAsync("qa1");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("qa1", (await WelcomeAsync($"p-qa-{i}")).Assignee);
        }
        await OnlyOnDutyAsync("qa1", "qa2");
        for (var i = 3; i < 7; i++)
        {
            await fx.AddPlayerAsync($"p-qa-{i}", "q1", Gold, lastLogin: Now);
        }
        var result = await fx.PlanAsync();
        Assert.Equal(4, result.Assigned);
        var given = new List<string?>();
        for (var i = 3; i < 7; i++)
        {
            given.Add((await fx.VisitsAsync($"p-qa-{i}")).Single().Assignee);
        }
        // qa2 catches up to qa1's three, then the tie goes by capacity left and name.
        Assert.Equal(["qa2", "qa2", "qa2", "qa1"], given);
        var duty = await fx.Staffing("sam", Role.Supervisor).ListDutyAsync(new ListDutyRequest { OnDutyOnly = true });
        Assert.Equal(["qa1", "qa2"], duty.Entries.Select(e => e.StaffId));

        // p-qa-0 was qa1's: a churn-risk visit later still goes to qa1 although qa2 is less loaded by then.
        for (var i = 3; i < 6; i++)
        {
            var id = (await fx.VisitsAsync($"p-qa-{i}")).Single().Id;
            await fx.Vip("qa2").RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = id, Outcome = VisitOutcome.Reached, Satisfaction = 5 });
        }
        await fx.SetLastLoginAsync("p-qa-0", Now.AddDays(-15));
        await fx.PlanAsync();
        Assert.Equal("qa1", (await fx.VisitsAsync("p-qa-0")).Single(v => v.Reason == "churn_risk").Assignee);
    }

    [Fact]
    public async Task A_miss_is_retried_in_the_hour_band_where_the_player_was_reached_most_else_where_the_tier_was()
    {
        await OnlyOnDutyAsync("qb");
        // Diamond players of their own, so the other tests' calls (gold) stay out of the tier's figures.
        await fx.SeedHistoryAsync("p-qb", "q1", "diamond", (19, true), (20, true), (11, true), (15, false), (16, false));
        await fx.SeedHistoryAsync("p-qb-peer", "q1", "diamond", (13, true), (13, true), (14, true), (9, false));
        var visit = await WelcomeAsync("p-qb", Diamond);
        Assert.Equal("qb", visit.Assignee);
        await fx.Vip("qb").ClaimVisitAsync(new ClaimVisitRequest { VisitId = visit.VisitId });
        var missed = await fx.Vip("qb").RecordVisitOutcomeAsync(Missed(visit.VisitId));
        var due = missed.Visit.DueAt.ToDateTimeOffset();
        var local = due.ToOffset(Local);
        Assert.Equal((19, 0), (local.Hour, local.Minute)); // the 19-21 band: reached twice there
        Assert.InRange(due, Now.AddHours(2), Now.AddHours(26));
        Assert.Equal((VisitState.Open, "qb", 1, ""), (missed.Visit.State, missed.Visit.Assignee, missed.Visit.Misses, missed.Visit.ClaimedBy));
        Assert.Equal((VisitOutcome.NotReached, "15-17"), (missed.Attempt.Outcome, missed.Attempt.HourBand)); // called at 16:00 local

        // Never reached themselves: the tier's best band (13-15: reached three times by diamond players).
        var fresh = await WelcomeAsync("p-qb-new", Diamond);
        var retry = (await fx.Vip("qb").RecordVisitOutcomeAsync(Missed(fresh.VisitId))).Visit.DueAt.ToDateTimeOffset().ToOffset(Local);
        Assert.Equal(13, retry.Hour);

        var rates = await fx.Vip("sam", Role.Supervisor).GetReachRatesAsync(new GetReachRatesRequest { Tier = "diamond", From = Ts(Now.AddDays(-3)), To = Ts(Now.AddDays(1)) });
        Assert.Equal("+08:00", rates.TimeZone);
        var band = rates.Bands.Single(b => b.Band == "13-15");
        Assert.Equal((3, 3, 1.0), (band.Attempts, band.Reached, band.ReachRate));
        Assert.Equal(6, rates.Bands.Count);
    }

    [Fact]
    public async Task The_second_miss_gives_the_visit_to_another_agent_who_never_gets_it_back_after_their_own_two()
    {
        await OnlyOnDutyAsync("qc1", "qc2");
        var visit = await WelcomeAsync("p-qc");
        var first = visit.Assignee;
        var other = first == "qc1" ? "qc2" : "qc1";
        var agent = fx.Vip(first);
        Assert.Equal(first, (await agent.RecordVisitOutcomeAsync(Missed(visit.VisitId))).Visit.Assignee);
        var second = (await agent.RecordVisitOutcomeAsync(Missed(visit.VisitId))).Visit;
        Assert.Equal((other, 2), (second.Assignee, second.Misses));
        Assert.DoesNotContain((await agent.ListMyVisitsAsync(new ListMyVisitsRequest())).Visits, v => v.VisitId == visit.VisitId);
        Assert.Contains((await fx.Vip(other).ListMyVisitsAsync(new ListMyVisitsRequest())).Visits, v => v.VisitId == visit.VisitId);
        // The first agent may no longer record its calls.
        await RefusedAsync(() => agent.RecordVisitOutcomeAsync(Missed(visit.VisitId)).ResponseAsync, StatusCode.FailedPrecondition);

        await fx.Vip(other).RecordVisitOutcomeAsync(Missed(visit.VisitId));
        var fourth = (await fx.Vip(other).RecordVisitOutcomeAsync(Missed(visit.VisitId))).Visit;
        Assert.Equal("", fourth.Assignee); // both missed twice and nobody else is on duty: it waits
        await fx.OnDutyAsync("qc3");
        await fx.PlanAsync();
        Assert.Equal("qc3", (await fx.VisitsAsync("p-qc")).Single().Assignee);
        // Given to the first, taken after two misses to the second, then to nobody, then to the newcomer.
        Assert.Equal(4, await ScalarAsync(fx, "SELECT count(*) FROM audit_records WHERE action = 'vip.visit.assign' AND target_id = @id", ("id", visit.VisitId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task A_visit_past_due_by_the_sla_is_marked_overdue_and_shows_in_the_supervisors_view()
    {
        await OnlyOnDutyAsync("qd");
        var visit = await WelcomeAsync("p-qd"); // due in 24 h; SLA 4 h
        fx.Clock.Advance(TimeSpan.FromHours(28) - TimeSpan.FromMinutes(1));
        await fx.PlanAsync();
        Assert.False((await fx.Vip("qd").ListMyVisitsAsync(new ListMyVisitsRequest())).Visits.Single(v => v.VisitId == visit.VisitId).Overdue);
        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        var result = await fx.PlanAsync();
        Assert.True(result.Overdue >= 1);
        var mine = (await fx.Vip("qd").ListMyVisitsAsync(new ListMyVisitsRequest())).Visits.Single(v => v.VisitId == visit.VisitId);
        Assert.True(mine.Overdue);
        Assert.Equal(Now, mine.OverdueAt.ToDateTimeOffset());
        var supervisor = fx.Vip("sam", Role.Supervisor);
        Assert.Contains((await supervisor.ListVisitsAsync(new ListVisitsRequest { OverdueOnly = true })).Visits, v => v.VisitId == visit.VisitId);
        await fx.PlanAsync();
        Assert.Equal(1, await ScalarAsync(fx, "SELECT count(*) FROM audit_records WHERE action = 'vip.visit.overdue' AND target_id = @id", ("id", visit.VisitId.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // The player asks to be called tomorrow: due then, no longer overdue.
        var callBack = await fx.Vip("qd").RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.CallBack, CallBackAt = Ts(Now.AddDays(1)) });
        Assert.Equal((Now.AddDays(1), false, VisitState.Open), (callBack.Visit.DueAt.ToDateTimeOffset(), callBack.Visit.Overdue, callBack.Visit.State));
        Assert.DoesNotContain((await supervisor.ListVisitsAsync(new ListVisitsRequest { OverdueOnly = true })).Visits, v => v.VisitId == visit.VisitId);
    }

    [Fact]
    public async Task Reached_records_satisfaction_and_notes_and_a_follow_up_goes_to_the_same_agent()
    {
        await OnlyOnDutyAsync("qe");
        var visit = await WelcomeAsync("p-qe");
        await fx.Vip("qe").ClaimVisitAsync(new ClaimVisitRequest { VisitId = visit.VisitId });
        var done = await fx.Vip("qe").RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest
        {
            VisitId = visit.VisitId, Outcome = VisitOutcome.Reached, Satisfaction = 4, Notes = "happy, wants the new mount", FollowUpNeeded = true, IdempotencyKey = "qe-1",
        });
        Assert.Equal((VisitState.Done, 4, "happy, wants the new mount"), (done.Visit.State, done.Visit.Satisfaction, done.Visit.Notes));
        Assert.Equal((VisitReason.FollowUp, "qe", Now.AddDays(3)), (done.FollowUp.Reason, done.FollowUp.Assignee, done.FollowUp.DueAt.ToDateTimeOffset()));
        Assert.Equal(done.FollowUp.VisitId, done.Visit.FollowUpVisitId);
        // A retry with the same key answers the same; the visit is done, so anything new is refused.
        var again = await fx.Vip("qe").RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest
        {
            VisitId = visit.VisitId, Outcome = VisitOutcome.Reached, Satisfaction = 4, Notes = "happy, wants the new mount", FollowUpNeeded = true, IdempotencyKey = "qe-1",
        });
        Assert.Equal(done.Attempt.AttemptId, again.Attempt.AttemptId);
        await RefusedAsync(() => fx.Vip("qe").RecordVisitOutcomeAsync(Missed(visit.VisitId)).ResponseAsync, StatusCode.FailedPrecondition);

        var dossier = await new PlayerService.PlayerServiceClient(fx.StaffChannel("qe", Role.Agent)).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p-qe" });
        Assert.Equal(("gold", 2), (dossier.Vip.TierName, dossier.Vip.Tier));
        Assert.Contains(dossier.Visits, v => v.Reason == "welcome" && v.Outcome == "reached" && v.Satisfaction == 4 && v.State == "done");
        Assert.Contains(dossier.Visits, v => v.Reason == "follow_up" && v.State == "open");
    }

    [Fact]
    public async Task Bad_outcomes_are_refused_by_field_and_write_nothing()
    {
        await OnlyOnDutyAsync("qf1", "qf2");
        var visit = await WelcomeAsync("p-qf");
        var holder = fx.Vip(visit.Assignee);
        var otherName = visit.Assignee == "qf1" ? "qf2" : "qf1";
        await holder.ClaimVisitAsync(new ClaimVisitRequest { VisitId = visit.VisitId });
        var before = await fx.FingerprintAsync();

        foreach (var satisfaction in new[] { 6, -1, 100 })
        {
            var ex = await RefusedAsync(() => holder.RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.Reached, Satisfaction = satisfaction }).ResponseAsync, StatusCode.InvalidArgument);
            Assert.Equal(["satisfaction"], ex.Fields());
        }
        foreach (var at in new[] { Now.AddMinutes(-1), Now, Now.AddDays(14).AddMinutes(1) })
        {
            var ex = await RefusedAsync(() => holder.RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.CallBack, CallBackAt = Ts(at) }).ResponseAsync, StatusCode.InvalidArgument);
            Assert.Equal(["call_back_at"], ex.Fields());
        }
        var none = await RefusedAsync(() => holder.RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.CallBack }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["call_back_at"], none.Fields());
        var noOutcome = await RefusedAsync(() => holder.RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["outcome"], noOutcome.Fields());
        // Claimed by another agent: nobody else records its calls, nor claims it.
        await RefusedAsync(() => fx.Vip(otherName).RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.Reached, Satisfaction = 3 }).ResponseAsync, StatusCode.FailedPrecondition);
        await RefusedAsync(() => fx.Vip(otherName).ClaimVisitAsync(new ClaimVisitRequest { VisitId = visit.VisitId }).ResponseAsync, StatusCode.FailedPrecondition);
        // Another server's visit is not there for a scoped agent.
        var scoped = new VipCareService.VipCareServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken(otherName, ["q2"], Role.Agent)));
        await RefusedAsync(() => scoped.ClaimVisitAsync(new ClaimVisitRequest { VisitId = visit.VisitId }).ResponseAsync, StatusCode.NotFound);
        Assert.DoesNotContain((await scoped.ListMyVisitsAsync(new ListMyVisitsRequest { IncludeUnassigned = true })).Visits, v => v.PlayerId == "p-qf");
        Assert.Equal(before, await fx.FingerprintAsync());

        // A supervisor reassigns it: the other agent may now work it.
        var moved = await fx.Vip("sam", Role.Supervisor).ReassignVisitAsync(new ReassignVisitRequest { VisitId = visit.VisitId, Assignee = otherName, Reason = "sick leave" });
        Assert.Equal((otherName, "", VisitState.Open), (moved.Visit.Assignee, moved.Visit.ClaimedBy, moved.Visit.State));
        await fx.Vip(otherName).RecordVisitOutcomeAsync(new RecordVisitOutcomeRequest { VisitId = visit.VisitId, Outcome = VisitOutcome.Reached, Satisfaction = 5 });
        await RefusedAsync(() => fx.Vip(otherName).ReassignVisitAsync(new ReassignVisitRequest { VisitId = visit.VisitId, Assignee = "x", Reason = "r" }).ResponseAsync, StatusCode.PermissionDenied);
    }
}
