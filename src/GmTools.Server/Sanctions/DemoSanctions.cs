using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Sanctions with a history, issued through the desks at the times they happened: an expired mute, a mute lifted
/// as wrongful, an active mute (the repeater), an active ban with an open appeal (the gold seller), a permanent ban
/// (the bot). Seeded once: when the story players already have sanctions, nothing is added.
/// </summary>
public sealed class DemoSanctions(GmToolsDbContext db, RequestContext request) : IDemoSeeder
{
    public int Order => DemoOrder.Sanctions;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        string[] story = [DemoStory.Repeater, DemoStory.Appellant, DemoStory.Bot];
        if (await db.Set<Sanction>().AnyAsync(s => story.Contains(s.PlayerId), ct))
        {
            return "sanctions: already seeded";
        }
        var now = demo.Now;
        var services = demo.Services;

        request.Caller = DemoActors.Gm;
        // The repeater: first mute (ladder step 1, one hour) long expired...
        await IssueAsync(services, now.AddDays(-40), Mute(DemoStory.Repeater, "chat_abuse", "spamming world chat"), ct);
        // ...a second one lifted the next day as a mistake (it no longer counts on the ladder)...
        var wrongful = await IssueAsync(services, now.AddDays(-10), Mute(DemoStory.Repeater, "chat_abuse", "reported for insults"), ct);
        request.Caller = DemoActors.Supervisor;
        await DemoActors.DeskAt<SanctionDesk>(services, now.AddDays(-9)).LiftAsync(
            new LiftOrder(wrongful.Sanction.SanctionId, "the reports were a coordinated false flag", Wrongful: true, "T-1041"), ct);
        // ...and the current one, in force for a day.
        request.Caller = DemoActors.Gm;
        await IssueAsync(services, now.AddMinutes(-5), Mute(DemoStory.Repeater, "chat_abuse", "insulting players in world chat"), ct);

        // The gold seller: banned three days ago (7 days), appealed the next day; the appeal waits for a decision.
        var ban = await IssueAsync(services, now.AddDays(-3), new IssueOrder(DemoStory.Appellant, SanctionKinds.Ban,
            new SanctionScopeSpec("s1"), null, "gold_selling", "advertising gold for real money", [], [], "T-1077", ""), ct);
        request.Caller = DemoActors.Agent;
        var appeal = await DemoActors.DeskAt<AppealDesk>(services, now.AddDays(-2), DeskAt(services, now.AddDays(-2))).FileAsync(
            ban.Sanction.SanctionId, "我没有卖金币，是账号被盗了。 (I never sold gold; my account was stolen.)", "T-1090", ct);

        // The bot on s3: banned for good.
        request.Caller = DemoActors.Gm;
        var permanent = new EndSpec(null, null, Permanent: true);
        await IssueAsync(services, now.AddDays(-1), new IssueOrder(DemoStory.Bot, SanctionKinds.Ban,
            new SanctionScopeSpec("s3"), permanent, "botting", "farming bot, 23 h online a day", [], [], "T-1102", "confirmed bot farm (anomaly review): permanent"), ct);

        request.Caller = Caller.System;
        return $"sanctions: 5 for {DemoStory.Repeater} (expired, lifted as wrongful, active mute), {DemoStory.Appellant} (ban with open appeal {appeal.AppealId}), {DemoStory.Bot} (permanent ban)";
    }

    private static IssueOrder Mute(string playerId, string reasonCode, string reason) =>
        new(playerId, SanctionKinds.Mute, new SanctionScopeSpec("s1"), null, reasonCode, reason, [], [], "", "");

    private static Task<IssuedSanction> IssueAsync(IServiceProvider services, DateTimeOffset at, IssueOrder order, CancellationToken ct) =>
        DeskAt(services, at).IssueAsync(order, ct);

    private static SanctionDesk DeskAt(IServiceProvider services, DateTimeOffset at) => DemoActors.DeskAt<SanctionDesk>(services, at);
}
