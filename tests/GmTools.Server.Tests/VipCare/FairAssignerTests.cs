using GmTools.Server.Staffing;
using GmTools.Server.VipCare;

namespace GmTools.Server.Tests.VipCare;

/// <summary>The pure pieces: fair assignment, tiers, hour bands. No network.</summary>
public sealed class FairAssignerTests
{
    [Fact]
    public void The_least_loaded_agent_on_duty_gets_it_and_a_batch_is_spread_by_load()
    {
        var loads = new[] { new AgentLoad("ann", 5, 5, 30), new AgentLoad("bob", 1, 1, 30), new AgentLoad("cat", 3, 3, 30) };
        Assert.Equal("bob", FairAssigner.Pick(loads));
        // Six new visits: bob takes two to reach cat's 3, then bob and cat share until both are at ann's 5, then round.
        var given = FairAssigner.AssignAll(Enumerable.Range(1, 6).ToList(), loads, _ => null);
        Assert.Equal(["bob", "bob", "bob", "cat", "bob", "cat"], given.Select(g => g.Agent));
        var after = loads.ToDictionary(l => l.AgentId, l => l.OpenLoad + given.Count(g => g.Agent == l.AgentId));
        Assert.Equal(new Dictionary<string, int> { ["ann"] = 5, ["bob"] = 5, ["cat"] = 5 }, after);
    }

    [Fact]
    public void Ties_go_to_the_most_capacity_left_then_the_id()
    {
        Assert.Equal("bob", FairAssigner.Pick([new AgentLoad("ann", 2, 9, 10), new AgentLoad("bob", 2, 2, 10)]));
        Assert.Equal("ann", FairAssigner.Pick([new AgentLoad("bob", 2, 2, 10), new AgentLoad("ann", 2, 2, 10)]));
    }

    [Fact]
    public void The_same_agent_keeps_the_player_while_they_have_capacity_and_are_not_excluded()
    {
        var loads = new[] { new AgentLoad("ann", 9, 9, 10), new AgentLoad("bob", 0, 0, 10) };
        Assert.Equal("ann", FairAssigner.Pick(loads, preferred: "ann"));
        Assert.Equal("bob", FairAssigner.Pick(loads, preferred: "ann", excluded: ["ann"]));
        Assert.Equal("bob", FairAssigner.Pick([new AgentLoad("ann", 10, 10, 10), loads[1]], preferred: "ann")); // ann is full today
        Assert.Equal("bob", FairAssigner.Pick(loads, preferred: "zoe")); // zoe is not on duty
    }

    [Fact]
    public void Nobody_with_capacity_left_or_everyone_excluded_means_nobody()
    {
        Assert.Null(FairAssigner.Pick([new AgentLoad("ann", 0, 3, 3)]));
        Assert.Null(FairAssigner.Pick([new AgentLoad("ann", 0, 0, 3)], excluded: ["ann"]));
        Assert.Null(FairAssigner.Pick([]));
        var given = FairAssigner.AssignAll([1, 2, 3], [new AgentLoad("ann", 0, 0, 2)], _ => null);
        Assert.Equal(["ann", "ann", null], given.Select(g => g.Agent));
    }

    [Fact]
    public void Tiers_are_the_highest_threshold_reached_and_thresholds_must_increase()
    {
        TierThreshold[] tiers = [new("silver", 100), new("gold", 1000), new("diamond", 5000)];
        Assert.Equal(("", "silver", "gold", "diamond"), (TierRules.TierOf(tiers, 99), TierRules.TierOf(tiers, 100), TierRules.TierOf(tiers, 4999), TierRules.TierOf(tiers, 9999)));
        Assert.True(TierRules.IsUpgrade(tiers, "", "silver"));
        Assert.False(TierRules.IsUpgrade(tiers, "gold", "silver"));
        Assert.Empty(TierRules.Problems(tiers));
        Assert.Equal(["tiers[1].min_recharge", "tiers[2].min_recharge"],
            TierRules.Problems([new("silver", 100), new("gold", 100), new("diamond", 50)]).Select(p => p.Field));
        Assert.Equal(["tiers[1].name", "tiers[0].min_recharge"],
            TierRules.Problems([new("silver", 0), new("silver", 10)]).Select(p => p.Field).OrderByDescending(f => f.Contains("name")));
        Assert.Equal(["tiers"], TierRules.Problems([]).Select(p => p.Field));
    }

    [Fact]
    public void The_best_band_is_where_the_player_was_reached_most_else_the_tier_else_the_default()
    {
        BandStat[] player = [new(1, 4, 1), new(5, 3, 2), new(3, 2, 2)];
        Assert.Equal(3, HourBands.Best(player, [], 5)); // 5 and 3 both reached twice: 3 has the better rate
        Assert.Equal(5, HourBands.Best([new(1, 4, 1), new(5, 3, 2)], [], 0));
        Assert.Equal(2, HourBands.Best([new(4, 3, 0)], [new(2, 10, 4), new(0, 10, 3)], 5)); // the player was never reached
        Assert.Equal(5, HourBands.Best([], [], 5));

        var bands = new HourBands(9, 21, 2, TimeSpan.FromHours(8));
        var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero); // 16:00 local
        Assert.Equal((3, "15-17", 6), (bands.BandOf(now)!.Value, bands.Name(3), bands.Count));
        Assert.Null(bands.BandOf(now.AddHours(6))); // 22:00 local
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero), bands.NextStart(5, now, TimeSpan.FromHours(2))); // 19:00 today
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), bands.NextStart(0, now, TimeSpan.FromHours(2))); // 09:00 tomorrow
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 7, 0, 0, TimeSpan.Zero), bands.NextStart(3, now, TimeSpan.FromHours(2))); // 15:00 is past today
    }
}
