using GmTools.Contracts.V1;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using static GmTools.Server.Tests.VipCare.VipKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.VipCare;

/// <summary>Report figures on a known data set, written straight into the tables (two weeks, two agents, two tiers).</summary>
public sealed class VipReportTests(VipFixture fx) : IClassFixture<VipFixture>
{
    private static readonly DateTimeOffset From = new(2026, 11, 9, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int day, int hour) => new(2026, 11, day, hour, 0, 0, TimeSpan.Zero);

    private async Task<long> TaskAsync(string agent, string tier, string state, DateTimeOffset due, DateTimeOffset? completed, DateTimeOffset? overdue = null) =>
        await ScalarAsync(fx, """
            INSERT INTO vip_visit_tasks (player_id, game_server_id, tier, reason, state, assignee, due_at, overdue_at, created_at, created_by, updated_at, attempts, misses, misses_by_assignee, excluded_agents, notes, completed_at, completed_by)
            VALUES ('p-rep-' || gen_random_uuid(), 'r1', @tier, 'periodic', @state, @agent, @due, @overdue, @due, 'system', @due, 0, 0, 0, '{}', '', @completed, @by)
            RETURNING task_id
            """, ("tier", tier), ("state", state), ("agent", agent), ("due", due), ("overdue", (object?)overdue ?? DBNull.Value),
            ("completed", (object?)completed ?? DBNull.Value), ("by", completed is null ? DBNull.Value : agent));

    private Task CallAsync(long task, string agent, string tier, DateTimeOffset at, bool reached, int? satisfaction = null)
    {
        var localHour = at.ToOffset(Local).Hour;
        return ExecAsync(fx, """
            INSERT INTO vip_visit_attempts (task_id, player_id, game_server_id, tier, agent, outcome, called_at, hour_band, satisfaction, notes)
            SELECT @t, player_id, 'r1', @tier, @agent, @o, @at, @band, @s, '' FROM vip_visit_tasks WHERE task_id = @t
            """, ("t", task), ("tier", tier), ("agent", agent), ("o", reached ? "reached" : "not_reached"), ("at", at),
            ("band", localHour is >= 9 and < 21 ? (object)((localHour - 9) / 2) : DBNull.Value), ("s", (object?)satisfaction ?? DBNull.Value));
    }

    private async Task SeedAsync()
    {
        // ra, gold: one on time in week 1, one late in week 2.
        var t1 = await TaskAsync("ra", "gold", "done", At(10, 2), At(10, 4));
        await CallAsync(t1, "ra", "gold", At(9, 3), reached: false);           // 11:00 local
        await CallAsync(t1, "ra", "gold", At(10, 4), reached: true, 5);        // 12:00 local
        var t2 = await TaskAsync("ra", "gold", "done", At(17, 0), At(17, 10));
        await CallAsync(t2, "ra", "gold", At(17, 10), reached: true, 3);       // 18:00 local
        // rb, silver: one on time in week 2, one overdue and open.
        var t3 = await TaskAsync("rb", "silver", "done", At(18, 5), At(18, 6));
        await CallAsync(t3, "rb", "silver", At(17, 11), reached: false);       // 19:00 local
        await CallAsync(t3, "rb", "silver", At(18, 6), reached: true, 4);      // 14:00 local
        var t4 = await TaskAsync("rb", "silver", "open", At(18, 0), null, overdue: At(19, 0));
        await CallAsync(t4, "rb", "silver", At(18, 12), reached: false);       // 20:00 local
        // After the period: counts nowhere.
        var t5 = await TaskAsync("ra", "gold", "done", At(23, 1), At(23, 2));
        await CallAsync(t5, "ra", "gold", At(23, 2), reached: true, 1);
    }

    private static (string, int, int, double, int, int, double, double, int)[] Figures(GetVisitReportResponse r) =>
        [.. r.Rows.Select(x => (x.Key, x.Completed, x.CompletedOnTime, Math.Round(x.OnTimeRate, 3), x.Attempts, x.Reached, Math.Round(x.ReachRate, 3), x.AverageSatisfaction, x.Overdue))];

    [Fact]
    public async Task Reports_by_agent_tier_and_week_and_reach_rates_by_band_give_the_known_figures()
    {
        await SeedAsync();
        var supervisor = fx.Vip("sam", Role.Supervisor);
        GetVisitReportRequest By(VisitReportGrouping g) => new() { GroupBy = g, From = Ts(From), To = Ts(To) };

        Assert.Equal(
            [("ra", 2, 1, 0.5, 3, 2, 0.667, 4.0, 0), ("rb", 1, 1, 1.0, 3, 1, 0.333, 4.0, 1)],
            Figures(await supervisor.GetVisitReportAsync(By(VisitReportGrouping.Agent))));
        Assert.Equal(
            [("gold", 2, 1, 0.5, 3, 2, 0.667, 4.0, 0), ("silver", 1, 1, 1.0, 3, 1, 0.333, 4.0, 1)],
            Figures(await supervisor.GetVisitReportAsync(By(VisitReportGrouping.Tier))));
        Assert.Equal(
            [("2026-11-09", 1, 1, 1.0, 2, 1, 0.5, 5.0, 0), ("2026-11-16", 2, 1, 0.5, 4, 2, 0.5, 3.5, 1)],
            Figures(await supervisor.GetVisitReportAsync(By(VisitReportGrouping.Week))));

        var rates = await supervisor.GetReachRatesAsync(new GetReachRatesRequest { From = Ts(From), To = Ts(To) });
        Assert.Equal(
            [("09-11", 0, 0), ("11-13", 2, 1), ("13-15", 1, 1), ("15-17", 0, 0), ("17-19", 1, 1), ("19-21", 2, 0)],
            rates.Bands.Select(b => (b.Band, b.Attempts, b.Reached)));
        var silver = await supervisor.GetReachRatesAsync(new GetReachRatesRequest { Tier = "silver", From = Ts(From), To = Ts(To) });
        Assert.Equal([0, 0, 1, 0, 0, 2], silver.Bands.Select(b => b.Attempts));

        // Scoped to another server: nothing of r1's.
        var scoped = new VipCareService.VipCareServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sam-r2", ["r2"], Role.Supervisor)));
        Assert.Empty((await scoped.GetVisitReportAsync(By(VisitReportGrouping.Agent))).Rows);
        Assert.All((await scoped.GetReachRatesAsync(new GetReachRatesRequest { From = Ts(From), To = Ts(To) })).Bands, b => Assert.Equal(0, b.Attempts));

        // A period that is not one is refused by field.
        Assert.Equal(["to"], (await RefusedAsync(() => supervisor.GetVisitReportAsync(new GetVisitReportRequest { GroupBy = VisitReportGrouping.Agent, From = Ts(To), To = Ts(From) }).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        Assert.Equal(["group_by", "from"], (await RefusedAsync(() => supervisor.GetVisitReportAsync(new GetVisitReportRequest { To = Ts(To) }).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        await RefusedAsync(() => fx.Vip("amy").GetVisitReportAsync(By(VisitReportGrouping.Agent)).ResponseAsync, StatusCode.PermissionDenied);
    }
}
