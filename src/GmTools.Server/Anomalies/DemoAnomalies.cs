using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Anomalies;

/// <summary>
/// Anomalies in the demo world, through the real desks: three kinds (speed hack and a multi-account ring open
/// cases; a blatant currency spike bans at once), and game servers s1 and s2 reporting: a speed hacker on s1 and a
/// ring of three sharing a device on s2 wait in the case queue. Seeded once: when any kind exists, nothing is added.
/// </summary>
public sealed class DemoAnomalies(GmToolsDbContext db, RequestContext request, AnomalyKindDesk kinds, AnomalyIntakeDesk intake) : IDemoSeeder
{
    public int Order => DemoOrder.Anomalies;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        if (await db.Set<AnomalyKindVersion>().AnyAsync(ct))
        {
            return "anomalies: already seeded";
        }
        request.Caller = DemoActors.Staff("ada.admin", Role.Admin);
        var tenMinutes = TimeSpan.FromMinutes(10);
        await kinds.PutAsync(new PutKindOrder(new KindSpec("speed_hack", "Speed hack", AnomalySeverities.High,
            """{"speed":"metres a second","allowed":"the mount's top speed","zone":"map id"}""",
            [new AnomalyThresholdRule(null, 3, tenMinutes, AnomalyActions.OpenCase, null)], true), 0, "demo kinds"), ct);
        await kinds.PutAsync(new PutKindOrder(new KindSpec("multi_account", "Multi-account ring", AnomalySeverities.Medium,
            """{"device":"device fingerprint","accounts":"count"}""",
            [new AnomalyThresholdRule(null, 1, TimeSpan.FromDays(1), AnomalyActions.OpenCase, null)], true), 0, "demo kinds"), ct);
        await kinds.PutAsync(new PutKindOrder(new KindSpec("currency_spike", "Currency spike", AnomalySeverities.Medium,
            """{"currency":"gold|diamond","gained":"amount","window_s":"seconds"}""",
            [new AnomalyThresholdRule(AnomalySeverities.Critical, 2, TimeSpan.FromHours(1), AnomalyActions.TemporaryBan, TimeSpan.FromDays(3)),
             new AnomalyThresholdRule(null, 3, TimeSpan.FromHours(1), AnomalyActions.OpenCase, null)], true), 0, "demo kinds"), ct);

        string[] story = [DemoStory.Cheater, DemoStory.Compensated, DemoStory.Appellant, DemoStory.Repeater, DemoStory.Whale, DemoStory.Bot];
        async Task<List<string>> PlayersOn(string gs, int skip, int take) => await db.Set<Player>().AsNoTracking()
            .Where(p => p.GameServerId == gs && !story.Contains(p.PlayerId)).OrderByDescending(p => p.PlayerId).Select(p => p.PlayerId)
            .Skip(skip).Take(take).ToListAsync(ct);
        var speeder = (await PlayersOn("s1", 0, 1))[0];
        var ring = await PlayersOn("s2", 0, 3);

        var s1 = await ReportAsync("s1", demo.Now,
        [
            new(0, "", "demo-s1-1", speeder, "speed_hack", null, demo.Now.AddMinutes(-6), """{"speed":31.5,"allowed":12,"zone":"m-104"}""", [], "3x mount speed in Ashen Vale"),
            new(1, "", "demo-s1-2", speeder, "speed_hack", null, demo.Now.AddMinutes(-4), """{"speed":29.0,"allowed":12,"zone":"m-104"}""", [], "2.5x mount speed"),
            new(2, "", "demo-s1-3", speeder, "speed_hack", AnomalySeverities.Critical, demo.Now.AddMinutes(-2), """{"speed":44.2,"allowed":12,"zone":"m-201"}""", [], "through a wall at 44 m/s"),
        ], ct);
        var s2 = await ReportAsync("s2", demo.Now,
        [
            new(0, "", "demo-s2-1", ring[0], "multi_account", null, demo.Now.AddMinutes(-3), """{"device":"d-7f3a","accounts":3}""", [ring[1], ring[2]], "three accounts, one device, gold funnelled to one"),
        ], ct);
        return $"anomalies: 3 kinds, {s1.Count(ReportOutcome.Accepted) + s2.Count(ReportOutcome.Accepted)} reports, {s1.CasesOpened + s2.CasesOpened} cases waiting " +
               $"(speed hack {speeder} on s1; ring {string.Join(", ", ring)} on s2)";
    }

    private async Task<IntakeResult> ReportAsync(string gs, DateTimeOffset now, IncomingReport[] reports, CancellationToken ct)
    {
        request.Caller = new Caller(gs, CallerKind.GameServer, [Role.GameServer], [gs]);
        return await intake.ReportAsync(new IntakeBatch(gs, [.. reports.Select((r, i) => r with { Index = i, At = $"reports[{i}]" })], []), ct);
    }
}
