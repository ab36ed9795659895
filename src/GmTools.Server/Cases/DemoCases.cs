using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Rewards;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Cases;

/// <summary>
/// Open cases about the story's players, opened and worked through the desks at the times they happened: the
/// whale's missing event reward (in progress, linked to the grant waiting in the approval inbox), the gold seller's
/// stolen-account appeal (escalated to the supervisors, linked to the ban), a recharge that did not arrive, opened
/// almost three days ago and nobody has answered (its first-response deadline is hours away: the SLA watch warns),
/// and a bug report. Seeded once: when the story players already have demo cases, nothing is added.
/// </summary>
public sealed class DemoCases(GmToolsDbContext db, RequestContext request) : IDemoSeeder
{
    public int Order => DemoOrder.Cases;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        string[] story = [DemoStory.Whale, DemoStory.Appellant, DemoStory.Compensated, DemoStory.Cheater];
        string[] demoStaff = [DemoActors.Agent.Id, DemoActors.Supervisor.Id];
        if (await db.Set<PlayerCase>().AnyAsync(c => story.Contains(c.PlayerId) && demoStaff.Contains(c.OpenedBy), ct))
        {
            return "cases: already seeded";
        }
        var now = demo.Now;
        var services = demo.Services;
        request.Caller = DemoActors.Agent;

        // The whale: the dragon mount of the event never arrived; amy answered, took it, and linked the grant she asked for.
        var whale = await OpenAsync(services, now.AddHours(-20), DemoStory.Whale, "lost_item", CaseChannels.Im, CasePriorities.High,
            "活动坐骑未到账 event mount missing", "参加了龙骑活动，奖励没到。 Took part in the dragon-mount event; the reward never came.",
            now.AddDays(-2), itemName: "mount.dragon", location: "活动使者 event NPC, 主城", ct: ct);
        await DeskAt(services, now.AddHours(-19)).ChangeStateAsync(new CaseStateOrder(whale.CaseId, CaseStates.InProgress, "checked the event log: reward not sent"), ct);
        await DeskAt(services, now.AddHours(-19)).AssignAsync(new AssignCaseOrder(whale.CaseId, null, ""), ct);
        var mountGrant = await db.Set<Grant>().AsNoTracking()
            .FirstOrDefaultAsync(g => g.Requester == DemoActors.Agent.Id && g.IdempotencyKey == "demo-whale-mount", ct);
        if (mountGrant is not null)
        {
            await LinkDeskAt(services, now.AddHours(-18)).LinkAsync(new LinkCaseOrder(whale.CaseId, CaseLinkKinds.Grant,
                mountGrant.GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "the compensation, waiting for approval"), ct);
        }

        // The gold seller says the account was stolen: a ban lift is the supervisors' to decide, so it goes up.
        var appeal = await OpenAsync(services, now.AddDays(-2), DemoStory.Appellant, "account", CaseChannels.Phone, CasePriorities.Normal,
            "账号被盗申诉 account stolen, banned", "玩家称账号被盗后被用来卖金币。 The player says the account was stolen and then used to sell gold.",
            now.AddDays(-4), ct: ct);
        await DeskAt(services, now.AddDays(-2).AddHours(1)).ChangeStateAsync(new CaseStateOrder(appeal.CaseId, CaseStates.InProgress, "asked for the last login IPs"), ct);
        var ban = await db.Set<Sanction>().AsNoTracking()
            .Where(s => s.PlayerId == DemoStory.Appellant && s.Kind == SanctionKinds.Ban).OrderByDescending(s => s.SanctionId).FirstOrDefaultAsync(ct);
        if (ban is not null)
        {
            await LinkDeskAt(services, now.AddDays(-2).AddHours(1)).LinkAsync(new LinkCaseOrder(appeal.CaseId, CaseLinkKinds.Sanction,
                ban.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "the ban the player appeals"), ct);
        }
        await DeskAt(services, now.AddDays(-2).AddHours(2)).EscalateAsync(new EscalateOrder(appeal.CaseId, "logins from a new country the day before the ban: a senior agent should look"), ct);

        // A recharge that did not arrive, opened 2 days 21 hours ago and not answered: 3 hours to its first-response deadline.
        var recharge = await OpenAsync(services, now.AddDays(-3).AddHours(3), DemoStory.Compensated, "recharge", CaseChannels.Web, CasePriorities.Normal,
            "648元充值未到账 recharge not credited", "支付宝扣款成功，钻石没到。 Alipay charged 648 yuan; no diamonds.",
            now.AddDays(-3), payment: ("alipay", "ALI-20261130-0648", 64_800, "CNY"), ct: ct);

        // The cheater reports the wall-clip bug he was caught using.
        var bug = await OpenAsync(services, now.AddHours(-6), DemoStory.Cheater, "bug", CaseChannels.InGame, CasePriorities.Low,
            "副本穿墙 walk through walls in the dungeon", "龙城副本二层东墙可以穿过去。 The east wall on the second floor of the Dragon City dungeon can be walked through.",
            now.AddHours(-7), gameArea: "dungeon", clientVersion: "1.4.2", ct: ct);

        request.Caller = Caller.System;
        return $"cases: {whale.CaseId} (whale's missing mount, in progress, grant linked), {appeal.CaseId} (stolen-account appeal, escalated), " +
               $"{recharge.CaseId} (recharge not credited, first response due in 3 h), {bug.CaseId} (bug report)";
    }

    private static async Task<PlayerCase> OpenAsync(IServiceProvider services, DateTimeOffset at, string playerId, string kind, string channel, string priority,
        string summary, string description, DateTimeOffset eventAt, string itemName = "", string location = "",
        (string Channel, string Reference, long Amount, string Currency)? payment = null, string gameArea = "", string clientVersion = "", CancellationToken ct = default)
    {
        var p = DemoStory.Players.Single(x => x.PlayerId == playerId);
        var record = new CaseRecordSpec(p.Account, p.GameServerId, p.Name, eventAt, "qq:" + p.Account[4..], itemName, location,
            payment?.Channel ?? "", payment?.Reference ?? "", payment?.Amount ?? 0, payment?.Currency ?? "", payment is null ? null : eventAt,
            gameArea, clientVersion);
        return await DeskAt(services, at).OpenAsync(new OpenCaseOrder(playerId, kind, channel, priority, summary, description, record), ct);
    }

    private static CaseDesk DeskAt(IServiceProvider services, DateTimeOffset at) => DemoActors.DeskAt<CaseDesk>(services, at);

    private static CaseLinkDesk LinkDeskAt(IServiceProvider services, DateTimeOffset at) => DemoActors.DeskAt<CaseLinkDesk>(services, at);
}
