using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using GmTools.Server.Tests.ChatWatch;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using GmTools.Server.VipCare;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

/// <summary>Two game servers (l1, l2), players p-l1 and p-l1b on l1, p-l2 on l2, a catalogue of gold.</summary>
public sealed class CaseLinkFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var gs in new[] { "l1", "l2" })
        {
            await GameServerCredentialAsync(gs);
        }
        await this.AddPlayerAsync("p-l1", "l1");
        await this.AddPlayerAsync("p-l1b", "l1");
        await this.AddPlayerAsync("p-l2", "l2");
        await Rewards("ada", Role.Admin).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true },
            Reason = "catalogue setup",
        });
    }

    public RewardService.RewardServiceClient Rewards(string user, Role role) => new(StaffChannel(user, role));
}

public sealed class CaseLinkTests(CaseLinkFixture fx) : IClassFixture<CaseLinkFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private async Task<long> OpenAsync(string player, string kind = "complaint") =>
        (await fx.Cases("amy").OpenCaseAsync(CaseKit.Open(player, kind, Now).With(r => r.Record.GameServerId = player == "p-l2" ? "l2" : "l1"))).Case.CaseId;

    private static CreateGrantRequest Grant(string player, long caseId, long gold = 100) => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString(),
        Lines = { new RewardLine { ItemId = "gold", Count = gold } },
        PlayerIds = { player },
        Reason = "recharge compensation",
        MailTitle = "补偿",
        CaseId = caseId,
    };

    private Task<long> CountsAsync() => fx.ScalarAsync("SELECT (SELECT count(*) FROM case_links) * 1000000 + (SELECT count(*) FROM grants) * 1000 + (SELECT count(*) FROM audit_records WHERE action = 'case.link')");

    private async Task<GetCaseResponse> GetAsync(long id, Role role = Role.Agent) => await fx.Cases("amy", role).GetCaseAsync(new GetCaseRequest { CaseId = id });

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_grant_made_from_a_case_carries_its_id_and_appears_in_the_case_and_must_be_for_its_player()
    {
        var caseId = await OpenAsync("p-l1");
        var gm = fx.Rewards("amy", Role.Agent);
        var grant = (await gm.CreateGrantAsync(Grant("p-l1", caseId))).Grant;
        Assert.Equal(caseId, grant.CaseId);
        Assert.Equal(caseId, (await gm.GetGrantAsync(new GetGrantRequest { GrantId = grant.GrantId })).Grant.CaseId);

        var before = await CountsAsync();
        // Another player, or the case's player among others: refused, nothing written.
        await RefusedAsync(() => gm.CreateGrantAsync(Grant("p-l1b", caseId)).ResponseAsync, StatusCode.FailedPrecondition);
        await RefusedAsync(() => gm.CreateGrantAsync(Grant("p-l1", caseId).With(g => g.PlayerIds.Add("p-l1b"))).ResponseAsync, StatusCode.FailedPrecondition);
        await RefusedAsync(() => gm.CreateGrantAsync(Grant("p-l1", 999_999)).ResponseAsync, StatusCode.NotFound);
        var negative = await RefusedAsync(() => gm.CreateGrantAsync(Grant("p-l1", -1)).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["case_id"], negative.Fields());
        // A GM scoped to l2 does not see the case on l1: NOT_FOUND, as for any object out of scope.
        var scoped = new RewardService.RewardServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("gsc", ["l2"], Role.Agent)));
        var l2Case = await OpenAsync("p-l2");
        await RefusedAsync(() => scoped.CreateGrantAsync(Grant("p-l2", caseId)).ResponseAsync, StatusCode.NotFound);
        Assert.Equal(before, await CountsAsync());
        Assert.Equal(l2Case, (await scoped.CreateGrantAsync(Grant("p-l2", l2Case))).Grant.CaseId);

        var links = (await GetAsync(caseId)).Links;
        var made = Assert.Single(links);
        Assert.Equal((CaseLinkKind.Grant, Id(grant.GrantId), CaseLinkOrigin.MadeFromCase, "amy"), (made.Kind, made.ObjectId, made.Origin, made.By));
        Assert.StartsWith("grant, approved", made.Summary);
    }

    [Fact]
    public async Task A_lift_made_from_a_case_carries_its_id_and_appears_in_the_case()
    {
        var caseId = await OpenAsync("p-l1");
        var gm = fx.Staff("gus", Role.Gm);
        var mute = (await gm.IssueSanctionAsync(Mute("p-l1", "l1"))).Sanction;
        var other = (await gm.IssueSanctionAsync(Mute("p-l1b", "l1"))).Sanction;
        var before = await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE lifted_at IS NOT NULL");
        await RefusedAsync(() => gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = other.SanctionId, Reason = "x", CaseId = caseId }).ResponseAsync, StatusCode.FailedPrecondition);
        Assert.Equal(before, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE lifted_at IS NOT NULL"));

        var lifted = (await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = mute.SanctionId, Reason = "the player proved it was a friend's joke", CaseId = caseId })).Sanction;
        Assert.Equal(caseId, lifted.LiftCaseId);
        var made = Assert.Single((await GetAsync(caseId)).Links);
        Assert.Equal((CaseLinkKind.Sanction, Id(mute.SanctionId), CaseLinkOrigin.MadeFromCase, "mute (chat_abuse), lifted"), (made.Kind, made.ObjectId, made.Origin, made.Summary));
    }

    [Fact]
    public async Task Sanctions_grants_campaigns_and_chat_lines_of_the_player_are_linked_once_each()
    {
        var caseId = await OpenAsync("p-l1");
        var ban = (await fx.Staff("gus", Role.Gm).IssueSanctionAsync(Ban("p-l1", OnServer("l1")))).Sanction;
        var grant = (await fx.Rewards("amy", Role.Agent).CreateGrantAsync(Grant("p-l1", 0))).Grant;
        var sup = fx.Rewards("sue", Role.Supervisor);
        var campaign = (await sup.CreateCampaignAsync(new CreateCampaignRequest
        {
            Lines = { new RewardLine { ItemId = "gold", Count = 10 } }, Reason = "l1 rollback", MailTitle = "补偿",
            GameServers = new GameServersTarget { GameServerIds = { "l1" } },
        })).Campaign;
        var chat = await ChatKit.GameServerAsync(fx, "l1");
        var acks = await chat.IngestAsync("l1", new[] { ChatKit.Line("line-flagged", "p-l1", "出售金币 速来 加QQ"), ChatKit.Line("line-plain", "p-l1", "你好 hello") });
        Assert.Equal(1, acks[0].Flagged);

        var agent = fx.Cases("amy");
        async Task<CaseLink> Link(CaseLinkKind kind, string id, string gs = "") =>
            (await agent.LinkCaseAsync(new LinkCaseRequest { CaseId = caseId, Kind = kind, ObjectId = id, GameServerId = gs, Note = "evidence" })).Link;
        Assert.Equal(CaseLinkOrigin.Linked, (await Link(CaseLinkKind.Sanction, Id(ban.SanctionId))).Origin);
        await Link(CaseLinkKind.Grant, Id(grant.GrantId));
        await Link(CaseLinkKind.Campaign, Id(campaign.CampaignId));
        Assert.Equal("出售金币 速来 加QQ", (await Link(CaseLinkKind.ChatLine, "line-flagged", "l1")).Summary);
        Assert.Equal("你好 hello", (await Link(CaseLinkKind.ChatLine, "line-plain", "l1")).Summary);

        var twice = await RefusedAsync(() => agent.LinkCaseAsync(new LinkCaseRequest { CaseId = caseId, Kind = CaseLinkKind.Sanction, ObjectId = Id(ban.SanctionId) }).ResponseAsync, StatusCode.AlreadyExists);
        Assert.Contains("link ", twice.Status.Detail);

        var links = (await GetAsync(caseId)).Links;
        Assert.Equal([CaseLinkKind.Sanction, CaseLinkKind.Grant, CaseLinkKind.Campaign, CaseLinkKind.ChatLine, CaseLinkKind.ChatLine], links.Select(l => l.Kind));
        Assert.All(links, l => Assert.Equal(("amy", "evidence", CaseLinkOrigin.Linked), (l.By, l.Note, l.Origin)));
        Assert.Equal("ban (cheating)", links[0].Summary);
        Assert.StartsWith("campaign, draft", links[2].Summary);
        Assert.Equal(5, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.link' AND target_id = @id", ("id", Id(caseId))));
    }

    [Fact]
    public async Task A_lift_from_a_case_the_caller_may_not_make_escalates_the_case_and_is_still_refused()
    {
        await fx.AddPlayerAsync("p-l1-lift", "l1"); // no earlier sanctions from the other tests of this class
        var caseId = await OpenAsync("p-l1-lift");
        var ban = (await fx.Staff("ada", Role.Admin).IssueSanctionAsync(Ban("p-l1-lift", AllServers).With(r => r.OverrideReason = "case test"))).Sanction; // someone else's, on every server
        var scopedGm = fx.ScopedStaff("gil", ["l1"]);
        Task<LiftSanctionResponse> Lift(SanctionService.SanctionServiceClient who, long fromCase) =>
            who.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.SanctionId, Reason = "the appeal holds", CaseId = fromCase, IdempotencyKey = Guid.NewGuid().ToString() }).ResponseAsync;
        Task<long> LiftsAsync() => fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE lifted_at IS NOT NULL OR lift_case_id IS NOT NULL");
        Task<long> EscalationsAsync() => fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.escalate' AND target_id = @id", ("id", Id(caseId)));
        Assert.Equal("agent", (await GetAsync(caseId)).Case.EscalationLevel);

        var lifts = await LiftsAsync();
        var refused = await RefusedAsync(() => Lift(scopedGm, caseId), StatusCode.PermissionDenied);
        Assert.Contains($"case {caseId} was escalated to supervisor", refused.Status.Detail);
        Assert.Equal(lifts, await LiftsAsync()); // the lift rolled back ...
        var escalated = await GetAsync(caseId); // ... the escalation stayed
        Assert.Equal(("supervisor", ""), (escalated.Case.EscalationLevel, escalated.Case.Assignee));
        Assert.Contains(escalated.Notes, n => n.Text.StartsWith("escalated agent -> supervisor: lift of sanction", StringComparison.Ordinal));
        Assert.Equal(1, await EscalationsAsync());

        // Asked again: still refused, the case is already there (no second escalation).
        Assert.Contains("escalated to supervisor", (await RefusedAsync(() => Lift(scopedGm, caseId), StatusCode.PermissionDenied)).Status.Detail);
        Assert.Equal(1, await EscalationsAsync());
        // Without a case it is the plain refusal; a case of another player escalates nothing.
        var plain = await RefusedAsync(() => Lift(scopedGm, 0), StatusCode.PermissionDenied);
        Assert.DoesNotContain("escalated", plain.Status.Detail);
        var otherPlayers = await OpenAsync("p-l1b");
        await RefusedAsync(() => Lift(scopedGm, otherPlayers), StatusCode.FailedPrecondition);
        Assert.Equal("agent", (await GetAsync(otherPlayers)).Case.EscalationLevel);

        // The level that may decide it lifts it from the case.
        var lifted = (await Lift(fx.Staff("sue", Role.Supervisor), caseId)).Sanction;
        Assert.Equal(caseId, lifted.LiftCaseId);
    }

    /// <summary>A VIP care visit as VIP care's planner would leave it (the planner's own rules are VipCare's tests).</summary>
    private async Task<long> VisitAsync(string player, string gameServerId)
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var visit = new VisitTask
        {
            PlayerId = player, GameServerId = gameServerId, Tier = "gold", Reason = "welcome", State = VisitStates.Open,
            DueAt = Now.AddDays(1), CreatedAt = Now, CreatedBy = "system", UpdatedAt = Now,
        };
        db.Add(visit);
        await db.SaveChangesAsync();
        return visit.TaskId;
    }

    [Fact]
    public async Task A_visit_of_the_player_is_linked_and_another_players_or_out_of_scope_visit_is_refused()
    {
        var caseId = await OpenAsync("p-l1");
        var l2Case = await OpenAsync("p-l2");
        var visit = await VisitAsync("p-l1", "l1");
        var otherPlayers = await VisitAsync("p-l1b", "l1");
        var l2Visit = await VisitAsync("p-l2", "l2");
        var agent = fx.Cases("amy");
        Task<LinkCaseResponse> Link(CaseService.CaseServiceClient who, long id, long visitId) =>
            who.LinkCaseAsync(new LinkCaseRequest { CaseId = id, Kind = CaseLinkKind.Visit, ObjectId = Id(visitId), Note = "called back" }).ResponseAsync;

        var before = await CountsAsync();
        await RefusedAsync(() => Link(agent, caseId, otherPlayers), StatusCode.FailedPrecondition);
        await RefusedAsync(() => Link(agent, caseId, l2Visit), StatusCode.FailedPrecondition);
        // Staff scoped to l2 see neither the l1 case nor, on their own l2 case, an l1 visit.
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc", ["l2"], Role.Supervisor)));
        await RefusedAsync(() => Link(scoped, caseId, visit), StatusCode.NotFound);
        await RefusedAsync(() => Link(scoped, l2Case, visit), StatusCode.NotFound);
        Assert.Equal(before, await CountsAsync());

        var link = (await Link(agent, caseId, visit)).Link;
        Assert.Equal((CaseLinkKind.Visit, Id(visit), CaseLinkOrigin.Linked), (link.Kind, link.ObjectId, link.Origin));
        await RefusedAsync(() => Link(agent, caseId, visit), StatusCode.AlreadyExists);
        var shown = Assert.Single((await GetAsync(caseId)).Links, l => l.Kind == CaseLinkKind.Visit);
        Assert.Equal("visit (welcome), open", shown.Summary);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.link' AND target_id = @id", ("id", Id(caseId))));
    }

    [Fact]
    public async Task Objects_of_another_player_or_out_of_scope_are_refused_and_nothing_is_written()
    {
        var caseId = await OpenAsync("p-l1");
        var l2Case = await OpenAsync("p-l2");
        var otherBan = (await fx.Staff("gus", Role.Gm).IssueSanctionAsync(Ban("p-l1b", OnServer("l1")))).Sanction;
        var l2Grant = (await fx.Rewards("amy", Role.Agent).CreateGrantAsync(Grant("p-l2", 0))).Grant;
        var l2Campaign = (await fx.Rewards("sue", Role.Supervisor).CreateCampaignAsync(new CreateCampaignRequest
        {
            Lines = { new RewardLine { ItemId = "gold", Count = 10 } }, Reason = "l2 lag", MailTitle = "补偿",
            GameServers = new GameServersTarget { GameServerIds = { "l2" } },
        })).Campaign;
        await (await ChatKit.GameServerAsync(fx, "l1")).IngestAsync("l1", new[] { ChatKit.Line("line-b", "p-l1b", "出售金币 速来") });

        var agent = fx.Cases("amy");
        Task<LinkCaseResponse> Link(long id, CaseLinkKind kind, string objectId, string gs = "") =>
            agent.LinkCaseAsync(new LinkCaseRequest { CaseId = id, Kind = kind, ObjectId = objectId, GameServerId = gs }).ResponseAsync;
        var before = await CountsAsync();
        await RefusedAsync(() => Link(caseId, CaseLinkKind.Sanction, Id(otherBan.SanctionId)), StatusCode.FailedPrecondition);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.Grant, Id(l2Grant.GrantId)), StatusCode.FailedPrecondition);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.Campaign, Id(l2Campaign.CampaignId)), StatusCode.FailedPrecondition);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.ChatLine, "line-b", "l1"), StatusCode.FailedPrecondition);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.ChatLine, "no-such-line", "l1"), StatusCode.NotFound);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.Sanction, "987654321"), StatusCode.NotFound);
        await RefusedAsync(() => Link(caseId, CaseLinkKind.Visit, "987654321"), StatusCode.NotFound);
        var bad = await RefusedAsync(() => Link(caseId, CaseLinkKind.Grant, "abc", "l1"), StatusCode.InvalidArgument);
        Assert.Equal(["object_id", "game_server_id"], bad.Fields());
        Assert.Equal(["object_id"], (await RefusedAsync(() => Link(caseId, CaseLinkKind.Visit, "v-1"), StatusCode.InvalidArgument)).Fields());
        Assert.Equal(["kind", "object_id"], (await RefusedAsync(() => Link(caseId, CaseLinkKind.Unspecified, ""), StatusCode.InvalidArgument)).Fields());
        Assert.Equal(["game_server_id"], (await RefusedAsync(() => Link(caseId, CaseLinkKind.ChatLine, "line-b"), StatusCode.InvalidArgument)).Fields());

        // Staff scoped to l2: the l1 case is NOT_FOUND; on their own l2 case, an l1 chat line is NOT_FOUND too.
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc", ["l2"], Role.Supervisor)));
        await RefusedAsync(() => scoped.LinkCaseAsync(new LinkCaseRequest { CaseId = caseId, Kind = CaseLinkKind.Sanction, ObjectId = Id(otherBan.SanctionId) }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.LinkCaseAsync(new LinkCaseRequest { CaseId = l2Case, Kind = CaseLinkKind.ChatLine, ObjectId = "line-b", GameServerId = "l1" }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.LinkCaseAsync(new LinkCaseRequest { CaseId = l2Case, Kind = CaseLinkKind.Sanction, ObjectId = Id(otherBan.SanctionId) }).ResponseAsync, StatusCode.NotFound);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task The_dossier_lists_the_players_cases_newest_first_within_scope()
    {
        var first = await OpenAsync("p-l1b", "bug");
        var second = await OpenAsync("p-l1b", "recharge");
        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("vic", Role.Viewer));
        var dossier = await players.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p-l1b" });
        Assert.Equal([second, first], dossier.Cases.Select(c => c.CaseId));
        Assert.Equal(("recharge", "new", "normal", "agent", false), (dossier.Cases[0].Kind, dossier.Cases[0].State, dossier.Cases[0].Priority, dossier.Cases[0].EscalationLevel, dossier.Cases[0].Breached));
        var one = await players.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p-l1b", RecentLimit = 1 });
        Assert.Equal([second], one.Cases.Select(c => c.CaseId));
    }
}
