using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using static GmTools.Server.Tests.VipCare.VipKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

public sealed class VipConfigFixture : VipFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("k1");
    }
}

/// <summary>Thresholds and plan rules: versioned, audited, refused when they make no sense; the roster's capacity.</summary>
public sealed class VipConfigTests(VipConfigFixture fx) : IClassFixture<VipConfigFixture>
{
    private VipCareService.VipCareServiceClient Admin => fx.Vip("ada", Role.Admin);

    private static PutVipTiersRequest Tiers(long expected, params (string Name, long Min)[] tiers) => new()
    {
        ExpectedVersion = expected, Note = "new season", Tiers = { tiers.Select(t => new VipTier { Name = t.Name, MinRecharge = t.Min }) },
    };

    [Fact]
    public async Task Thresholds_that_do_not_increase_are_refused_by_field_and_change_nothing()
    {
        var v = (await Admin.GetVipTiersAsync(new GetVipTiersRequest())).Version;
        Assert.True(v >= 1); // the migration's starting thresholds are version 1
        var before = await fx.FingerprintAsync();
        var flat = await RefusedAsync(() => Admin.PutVipTiersAsync(Tiers(v, ("silver", 100), ("gold", 100), ("diamond", 50))).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["tiers[1].min_recharge", "tiers[2].min_recharge"], flat.Fields());
        var bad = await RefusedAsync(() => Admin.PutVipTiersAsync(Tiers(v, ("Gold!", 0))).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["tiers[0].name", "tiers[0].min_recharge"], bad.Fields());
        Assert.Equal(["tiers"], (await RefusedAsync(() => Admin.PutVipTiersAsync(Tiers(v)).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        await RefusedAsync(() => Admin.PutVipTiersAsync(Tiers(v - 1, ("silver", 10))).ResponseAsync, StatusCode.FailedPrecondition); // stale version
        var scoped = new VipCareService.VipCareServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("ada-k2", ["k2"], Role.Admin)));
        await RefusedAsync(() => scoped.PutVipTiersAsync(Tiers(v, ("silver", 10))).ResponseAsync, StatusCode.PermissionDenied);
        await RefusedAsync(() => fx.Vip("sam", Role.Supervisor).PutVipTiersAsync(Tiers(v, ("silver", 10))).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.FingerprintAsync());
    }

    [Fact]
    public async Task New_thresholds_are_a_new_version_and_the_planning_run_moves_every_player_to_them()
    {
        await fx.AddPlayerAsync("p-k-gold", "k1", 2_000_000);
        await fx.PlanAsync();
        var version = (await Admin.GetVipTiersAsync(new GetVipTiersRequest())).Version;
        var put = await Admin.PutVipTiersAsync(Tiers(version, ("silver", 100_000), ("gold", 3_000_000), ("diamond", 8_000_000)).With(r => r.IdempotencyKey = "tiers-k"));
        Assert.Equal(version + 1, put.Version);
        Assert.Equal(put.Version, (await Admin.PutVipTiersAsync(Tiers(version, ("silver", 100_000), ("gold", 3_000_000), ("diamond", 8_000_000)).With(r => r.IdempotencyKey = "tiers-k"))).Version);
        await fx.PlanAsync();
        var history = await fx.ListAsyncStrings("SELECT from_tier || '>' || to_tier || ':' || source FROM vip_tier_changes WHERE player_id = 'p-k-gold' ORDER BY change_id");
        Assert.Equal([">gold:reconcile", "gold>silver:reconcile"], history);
        Assert.Equal(1, await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks WHERE player_id = 'p-k-gold' AND reason = 'welcome'")); // a move down is no welcome
        Assert.Equal(1, await ScalarAsync(fx, "SELECT count(*) FROM audit_records WHERE action = 'vip.tiers.put'"));
    }

    [Fact]
    public async Task A_rule_with_a_zero_or_negative_interval_is_refused_and_a_good_one_replaces_the_rule_of_its_tier()
    {
        var before = await fx.FingerprintAsync();
        foreach (var d in new[] { Duration.FromTimeSpan(TimeSpan.Zero), Duration.FromTimeSpan(TimeSpan.FromDays(-1)) })
        {
            var after = await RefusedAsync(() => Admin.PutVisitRuleAsync(new PutVisitRuleRequest { Reason = VisitReason.Periodic, Tier = "gold", After = d, DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(2)), Active = true, Note = "n" }).ResponseAsync, StatusCode.InvalidArgument);
            Assert.Equal(["after"], after.Fields());
            var due = await RefusedAsync(() => Admin.PutVisitRuleAsync(new PutVisitRuleRequest { Reason = VisitReason.Welcome, DueWithin = d, Active = true, Note = "n" }).ResponseAsync, StatusCode.InvalidArgument);
            Assert.Equal(["due_within"], due.Fields());
        }
        var missing = await RefusedAsync(() => Admin.PutVisitRuleAsync(new PutVisitRuleRequest { Reason = VisitReason.ChurnRisk, DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(1)), Note = "n" }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["after"], missing.Fields());
        var noReason = await RefusedAsync(() => Admin.PutVisitRuleAsync(new PutVisitRuleRequest { DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(1)), Note = "n" }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["reason"], noReason.Fields());
        Assert.Equal(before, await fx.FingerprintAsync());

        var rule = (await Admin.PutVisitRuleAsync(new PutVisitRuleRequest
        {
            Reason = VisitReason.Periodic, Tier = "gold", After = Duration.FromTimeSpan(TimeSpan.FromDays(7)), DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(1)), Active = true, Note = "weekly for gold",
        })).Rule;
        var rules = (await fx.Vip("amy").ListVisitRulesAsync(new ListVisitRulesRequest())).Rules;
        var gold = rules.Single(r => r.Reason == VisitReason.Periodic && r.Tier == "gold");
        Assert.Equal((rule.RuleId, TimeSpan.FromDays(7), "ada"), (gold.RuleId, gold.After.ToTimeSpan(), gold.ChangedBy));
        Assert.Equal(9, rules.Count);
    }

    [Fact]
    public async Task A_supervisor_sets_an_agents_daily_capacity_and_the_assignment_keeps_to_it()
    {
        var supervisor = fx.Staffing("sam", Role.Supervisor);
        var bad = await RefusedAsync(() => supervisor.SetAgentCapacityAsync(new SetAgentCapacityRequest { StaffId = "kat", DailyCapacity = -1 }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["daily_capacity", "reason"], bad.Fields());
        await RefusedAsync(() => fx.Staffing("kat").SetAgentCapacityAsync(new SetAgentCapacityRequest { StaffId = "kat", DailyCapacity = 5, Reason = "r" }).ResponseAsync, StatusCode.PermissionDenied);
        var set = await supervisor.SetAgentCapacityAsync(new SetAgentCapacityRequest { StaffId = "kat", DailyCapacity = 2, Reason = "training" });
        Assert.Equal((2, true, false), (set.Duty.DailyCapacity, set.Duty.CapacityOverridden, set.Duty.OnDuty));
        await fx.OnDutyAsync("kat");
        for (var i = 0; i < 3; i++)
        {
            await fx.AddPlayerAsync($"p-kat-{i}", "k1", 200_000);
        }
        await fx.PlanAsync();
        Assert.Equal(2, await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks WHERE assignee = 'kat'"));
        Assert.True(await ScalarAsync(fx, "SELECT count(*) FROM vip_visit_tasks WHERE player_id LIKE 'p-kat-%' AND assignee IS NULL") >= 1);
        var entry = (await supervisor.ListDutyAsync(new ListDutyRequest())).Entries.Single(e => e.StaffId == "kat");
        Assert.True(entry.OnDuty);
        Assert.Equal(1, await ScalarAsync(fx, "SELECT count(*) FROM audit_records WHERE action = 'staffing.capacity' AND target_id = 'kat'"));
        await fx.OffDutyAsync("kat");
    }
}
