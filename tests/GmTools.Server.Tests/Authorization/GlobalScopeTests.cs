using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using static GmTools.Server.Tests.ChatWatch.ChatKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Authorization;

/// <summary>
/// What the scope walk found: things one server's staff or game server could reach on every server. The chat rules are
/// one set for every server; an uploaded campaign list may name anyone; a game server's chat is its own players' chat.
/// </summary>
public sealed class GlobalScopeTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private ChatWatchService.ChatWatchServiceClient ScopedChat(string user, string server, Role role) =>
        new(fx.Server.Channel(fx.Server.ScopedStaffToken(user, [server], role)));

    private Task<long> VersionsAsync() => fx.ScalarAsync("SELECT count(*) FROM chat_rule_versions");

    [Fact]
    public async Task A_scoped_gm_dismisses_its_own_servers_flag_but_may_not_teach_every_servers_allowlist()
    {
        await fx.AddPlayerAsync("p-gs-1", "gs-a");
        var server = await ChatWatch.ChatKit.GameServerAsync(fx, "gs-a");
        Assert.Equal(1, (await server.IngestAsync("gs-a", [Line("gs-1", "p-gs-1", "出售金币 速来")]))[0].Flagged);
        var gm = ScopedChat("gm-gs-a", "gs-a", Role.Gm);
        var review = (await gm.ListChatReviewsAsync(new ListChatReviewsRequest { GameServerId = "gs-a" })).Reviews.Single();
        var versions = await VersionsAsync();

        await SanctionsKit.RefusedAsync(() => gm.DismissChatReviewAsync(new DismissChatReviewRequest { ReviewId = review.ReviewId, AllowPhrase = "出售", Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(versions, await VersionsAsync());
        Assert.Equal("pending", (await gm.ListChatReviewsAsync(new ListChatReviewsRequest { GameServerId = "gs-a" })).Reviews.Single().State);

        var dismissed = await gm.DismissChatReviewAsync(new DismissChatReviewRequest { ReviewId = review.ReviewId, Note = "not an ad" });
        Assert.Equal(("dismissed", 0L), (dismissed.Review.State, dismissed.RuleVersion));
        Assert.Equal(versions, await VersionsAsync());
    }

    [Fact]
    public async Task Only_admins_who_see_every_server_change_the_chat_rules()
    {
        var scoped = ScopedChat("adm-gs-a", "gs-a", Role.Admin);
        var versions = await VersionsAsync();
        var term = new EditChatTermRequest { Term = new ChatTerm { Text = "gsterm", Category = "ads" }, Note = "x" };
        await SanctionsKit.RefusedAsync(() => scoped.EditChatTermAsync(term).ResponseAsync, StatusCode.PermissionDenied);
        await SanctionsKit.RefusedAsync(() => scoped.ImportChatRulesAsync(new ImportChatRulesRequest { Rules = new ChatRules(), Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(versions, await VersionsAsync());
        Assert.NotNull((await scoped.GetChatRulesAsync(new GetChatRulesRequest())).Rules);

        var unscoped = fx.ChatStaff("adm-all", Role.Admin);
        var published = await unscoped.EditChatTermAsync(term);
        await SanctionsKit.RefusedAsync(() => scoped.RollBackChatRulesAsync(new RollBackChatRulesRequest { ToVersion = published.Version.Version, Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(versions + 1, await VersionsAsync());
    }

    [Fact]
    public async Task A_game_server_may_not_send_chat_of_another_servers_player()
    {
        await fx.AddPlayerAsync("p-gs-home", "gs-home");
        await fx.GameServerCredentialAsync("gs-home");
        var intruder = await ChatWatch.ChatKit.GameServerAsync(fx, "gs-intruder");
        var acks = await intruder.IngestAsync("gs-intruder",
            [Line("gi-1", "p-gs-home", "出售金币 速来"), Line("gi-2", "p-gs-new", "出售金币 速来"), Line("gi-3", "p-gs-home", "出售金币 速来")]);

        Assert.Equal(1, acks[0].Accepted);
        Assert.Equal(["lines[0].sender_player_id", "lines[2].sender_player_id"], acks[0].Rejected.Select(r => r.Field));
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sender_player_id = 'p-gs-home'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE sender_player_id = 'p-gs-new' AND game_server_id = 'gs-intruder'"));
    }

    [Fact]
    public async Task Only_staff_who_see_every_server_create_a_campaign_to_an_uploaded_list()
    {
        await fx.GameServerCredentialAsync("gs-camp");
        var admin = new RewardService.RewardServiceClient(fx.StaffChannel("adm-camp", Role.Admin));
        await admin.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "gs.gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true }, Reason = "r",
        });
        var request = new CreateCampaignRequest { Lines = { new RewardLine { ItemId = "gs.gold", Count = 1 } }, Reason = "r", MailTitle = "t", PlayerList = new PlayerListTarget() };
        var scoped = new RewardService.RewardServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sup-camp", ["gs-camp"], Role.Supervisor)));
        var before = await fx.ScalarAsync("SELECT count(*) FROM campaigns");

        await SanctionsKit.RefusedAsync(() => scoped.CreateCampaignAsync(request).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.ScalarAsync("SELECT count(*) FROM campaigns"));
        Assert.Equal(CampaignState.Draft, (await new RewardService.RewardServiceClient(fx.StaffChannel("sup-all", Role.Supervisor)).CreateCampaignAsync(request)).Campaign.State);
    }
}
