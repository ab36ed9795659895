using Bunit;
using GmTools.Console.Components.Layout;
using GmTools.Console.Components.Pages.ChatWatch;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The live chat page, the review queue's decisions and what each role is offered there.</summary>
public sealed class ChatWatchTests : ComponentTest
{
    private readonly FakeChat _chat = new();
    private readonly FakeSanctions _sanctions = new();

    public ChatWatchTests()
    {
        Services.AddSingleton<ChatWatchService.ChatWatchServiceClient>(_chat);
        Services.AddSingleton<SanctionService.SanctionServiceClient>(_sanctions);
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
    }

    private const string RequiredText = "Required";

    private IRenderedComponent<ChatLive> RenderLive(int maxLines = 500)
    {
        Services.Configure<ConsoleOptions>(o => o.ChatWatchMaxLines = maxLines);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        RenderPopoverHost();
        var cut = Render<ChatLive>();
        cut.WaitForAssertion(() => Assert.Single(_chat.Watches));
        return cut;
    }

    private void Say(ChatLine line) => _chat.Stream.Write(new WatchChatResponse { Line = line });

    [Fact]
    public void The_buffer_keeps_the_newest_lines_newest_first_and_counts_what_fell_off()
    {
        var buffer = new ChatLiveBuffer(3);
        foreach (var i in Enumerable.Range(1, 5))
        {
            Assert.True(buffer.Add(FakeChat.Line($"l{i}", "p1", "hi")));
        }
        Assert.False(buffer.Add(FakeChat.Line("l5", "p1", "again")));
        Assert.Equal("l5 l4 l3", string.Join(" ", buffer.Lines.Select(l => l.LineId)));
        Assert.Equal(2, buffer.Dropped);
        buffer.AddOlder([FakeChat.Line("old", "p1", "x")]);
        Assert.Equal(3, buffer.Count);
    }

    [Fact]
    public void Matched_spans_are_marked_overlaps_merged_and_out_of_range_spans_clamped()
    {
        var line = FakeChat.Line("l1", "p1", "便宜 出售金币 加微信", FakeChat.Ad(3, 4), new ChatMatch { Category = "ads", Start = 5, Length = 3 }, new ChatMatch { Start = 9, Length = 50 });
        var segments = ChatText.Segments(line).ToList();
        Assert.Equal(new[] { ("便宜 ", false), ("出售金币 ", true), ("加", false), ("微信", true) }, segments);
    }

    [Fact]
    public void A_streamed_flagged_line_is_highlighted_with_its_rule_category_term_and_steps()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var cut = RenderLive();
        Assert.Equal("s1", _chat.Watches[0].GameServerId);
        Say(FakeChat.Line("a", "p-clean", "今晚打副本"));
        Say(FakeChat.Line("b", "p-spam", "出 售 金 幣", FakeChat.Ad(0, 7)));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='chat-line']").Count));
        var rows = cut.FindAll("[data-testid='chat-line']");
        Assert.Equal(("b", "true"), (rows[0].GetAttribute("data-line-id"), rows[0].GetAttribute("data-flagged")));
        Assert.Equal("false", rows[1].GetAttribute("data-flagged"));
        Assert.Equal("出 售 金 幣", rows[0].QuerySelector("[data-testid='chat-hit']")!.TextContent);
        var match = rows[0].QuerySelector("[data-testid='chat-match']")!;
        Assert.Contains("出售金币", match.TextContent, StringComparison.Ordinal);
        Assert.Contains("separators", match.TextContent, StringComparison.Ordinal);
        Assert.Contains("term", match.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_holds_no_more_than_the_configured_number_of_lines()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var cut = RenderLive(maxLines: 20);
        foreach (var i in Enumerable.Range(1, 45))
        {
            Say(FakeChat.Line($"l{i}", "p1", $"line {i}"));
        }
        cut.WaitForAssertion(() => Assert.Equal("l45", cut.FindAll("[data-testid='chat-line']")[0].GetAttribute("data-line-id")));
        Assert.Equal(20, cut.FindAll("[data-testid='chat-line']").Count);
        Assert.Equal("l26", cut.FindAll("[data-testid='chat-line']")[^1].GetAttribute("data-line-id"));
        Assert.Contains("25", cut.Find("[data-testid='chat-count']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_watches_again_with_it_and_one_channel_first_reads_its_recent_lines()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var recent = FakeChat.Line("r1", "p1", "加我微信", FakeChat.Ad(0, 2));
        recent.Channel = ChatChannel.Shout;
        _chat.Recent.Add(recent);
        var cut = RenderLive();
        cut.FindComponent<MudBlazor.MudCheckBox<bool>>().Find("input").Change(true);
        cut.WaitForAssertion(() => Assert.Equal(2, _chat.Watches.Count));
        Assert.True(_chat.Watches[1].FlaggedOnly);

        var channel = cut.FindComponent<MudBlazor.MudSelect<ChatChannel>>();
        cut.InvokeAsync(() => channel.Instance.ValueChanged.InvokeAsync(ChatChannel.Shout));
        cut.WaitForAssertion(() => Assert.Equal(3, _chat.Watches.Count));
        Assert.Equal((ChatChannel.Shout, true), (_chat.Watches[2].Channel, _chat.Watches[2].FlaggedOnly));
        cut.WaitForAssertion(() => Assert.Equal("r1", cut.Find("[data-testid='chat-line']").GetAttribute("data-line-id")));
    }

    [Fact]
    public void One_click_on_a_sender_opens_the_mute_form_prefilled_with_their_lines_as_evidence()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var cut = RenderLive();
        Say(FakeChat.Line("x1", "p-spam", "大家好"));
        Say(FakeChat.Line("x2", "p-other", "hello"));
        Say(FakeChat.Line("x3", "p-spam", "出 售 金 幣", FakeChat.Ad(0, 7)));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid='chat-line']").Count));
        cut.Find("[data-testid='chat-line'][data-line-id='x3'] [data-testid='chat-sender']").Click();

        // The stream renders from another thread, so the click's render may land a cycle later.
        var panel = cut.WaitForElement("[data-testid='issue-panel']");
        Assert.Contains("p-spam", panel.TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("x3, x1", cut.Find("[data-testid='issue-evidence'] input, input[data-testid='issue-evidence']").GetAttribute("value")));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Single(_sanctions.Issued));
        var issued = _sanctions.Issued[0];
        Assert.Equal(("p-spam", SanctionKind.Mute, "s1", "gold_selling"), (issued.PlayerId, issued.Kind, issued.Scope.GameServerId, issued.ReasonCode));
        Assert.Equal("x3 x1", string.Join(" ", issued.Evidence.ChatLineIds));
        Assert.Contains("出 售 金 幣", issued.Reason, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid='chat-muted']")));
    }

    [Fact]
    public void A_refused_watch_shows_the_status_and_the_page_is_not_live()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var cut = RenderLive();
        _chat.Stream.Fail(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.NotFound, "game server s1 not found")));
        cut.WaitForAssertion(() => Assert.Contains("s1 not found", cut.Find("[data-testid='server-error']").TextContent, StringComparison.Ordinal));
        Assert.Equal("false", cut.Find("[data-testid='chat-status']").GetAttribute("data-connected"));
    }

    [Fact]
    public void Without_the_sanction_permission_a_sender_links_to_the_dossier_instead_of_the_mute_form()
    {
        SignedInAs(Role.Gm, [.. LivePermissions.Gm.Where(p => p != Security.Perm.SanctionsIssue)]);
        var cut = RenderLive();
        Say(FakeChat.Line("x1", "p-spam", "出售金币", FakeChat.Ad(0, 4)));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='chat-sender']")));
        Assert.Equal("/players/p-spam", cut.Find("[data-testid='chat-sender']").GetAttribute("href"));
    }

    [Fact]
    public async Task A_viewer_and_an_agent_are_not_offered_the_chat_pages()
    {
        foreach (var (role, permissions) in new[] { (Role.Viewer, LivePermissions.Viewer), (Role.Agent, LivePermissions.Agent) })
        {
            await using var ctx = new ChatWatchTests();
            ctx.SignedInAs(role, permissions);
            var nav = ctx.Render<NavMenu>();
            Assert.Empty(nav.FindAll("[data-testid='nav-chat-live'], [data-testid='nav-chat-reviews'], [data-testid='nav-chat-rules']"));
            Assert.NotEmpty(nav.FindAll("[data-testid='nav-announcements']"));
            var page = ctx.Render<ChatLive>();
            page.Find("[data-testid='not-allowed']");
            Assert.Empty(ctx._chat.Watches);
        }
    }

    [Fact]
    public async Task A_gm_gets_the_live_page_and_the_queue_a_supervisor_also_reads_the_rules()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var nav = Render<NavMenu>();
        Assert.NotEmpty(nav.FindAll("[data-testid='nav-chat-live']"));
        Assert.NotEmpty(nav.FindAll("[data-testid='nav-chat-reviews']"));
        Assert.Empty(nav.FindAll("[data-testid='nav-chat-rules']"));
        Assert.Empty(nav.FindAll("[data-testid='nav-announcement-approvals']"));

        await using var ctx = new ChatWatchTests();
        ctx.SignedInAs(Role.Supervisor, LivePermissions.Supervisor);
        var supervisorNav = ctx.Render<NavMenu>();
        Assert.NotEmpty(supervisorNav.FindAll("[data-testid='nav-chat-rules']"));
        Assert.NotEmpty(supervisorNav.FindAll("[data-testid='nav-announcement-approvals']"));
    }

    private static ChatReview Review(string id, string state = "pending", string claimedBy = "") => new()
    {
        ReviewId = id,
        State = state,
        ClaimedBy = claimedBy,
        Line = FakeChat.Line("f" + id, "p-spam", "出 售 金 幣", FakeChat.Ad(0, 7)),
    };

    private IRenderedComponent<ChatReviews> RenderQueue()
    {
        RenderPopoverHost();
        var cut = Render<ChatReviews>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid='review'], [data-testid='review-empty']")));
        return cut;
    }

    [Fact]
    public void Confirming_a_review_needs_a_reason_maps_the_servers_violations_and_keeps_its_key_across_a_retry()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        _chat.Reviews.Add(Review("7"));
        var cut = RenderQueue();
        cut.Find("[data-testid='review-confirm-7']").Click();
        cut.Find("[data-testid='review-reason-7'] input, input[data-testid='review-reason-7']").Input("");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains(RequiredText, cut.Find("[data-testid='review']").TextContent, StringComparison.Ordinal));
        Assert.Empty(_chat.Confirmed);

        cut.Find("[data-testid='review-reason-7'] input, input[data-testid='review-reason-7']").Input("卖金币广告");
        _chat.Refusals.Enqueue(Calls.InvalidArgument(("reason_code", "is not a configured reason code")));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("is not a configured reason code", cut.Markup, StringComparison.Ordinal));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, _chat.Confirmed.Count));
        Assert.Equal(_chat.Confirmed[0].IdempotencyKey, _chat.Confirmed[1].IdempotencyKey);
        Assert.Equal(("mute", "gold_selling", "卖金币广告"), (_chat.Confirmed[1].SanctionKind, _chat.Confirmed[1].ReasonCode, _chat.Confirmed[1].Reason));
        Assert.Null(_chat.Confirmed[1].Duration);
        cut.WaitForAssertion(() => Assert.Equal("confirmed", cut.Find("[data-testid='review']").GetAttribute("data-state")));
    }

    [Fact]
    public void A_review_claimed_by_someone_else_offers_nothing_and_a_scoped_gm_may_not_teach_the_allowlist()
    {
        Services.AddSingleton(Security.StaffSession.ForTests("gia.gm", [Role.Gm], LivePermissions.Gm, ["s1"]));
        _chat.Reviews.Add(Review("8", "claimed", "other.gm"));
        _chat.Reviews.Add(Review("9"));
        var cut = RenderQueue();
        Assert.Empty(cut.FindAll("[data-testid='review-claim-8'], [data-testid='review-confirm-8'], [data-testid='review-dismiss-8']"));
        cut.Find("[data-testid='review-dismiss-9']").Click();
        Assert.Empty(cut.FindAll("[data-testid='review-allow-9']"));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Single(_chat.Dismissed));
        Assert.Equal("", _chat.Dismissed[0].AllowPhrase);
    }

    [Fact]
    public void An_allowlist_phrase_over_64_characters_is_refused_before_the_call()
    {
        SignedInAs(Role.Admin, LivePermissions.Admin);
        _chat.Claimer = "admin.tester";
        _chat.Reviews.Add(Review("10"));
        var cut = RenderQueue();
        cut.Find("[data-testid='review-claim-10']").Click();
        cut.WaitForAssertion(() => Assert.Equal("claimed", cut.Find("[data-testid='review']").GetAttribute("data-state")));
        cut.Find("[data-testid='review-dismiss-10']").Click();
        cut.Find("[data-testid='review-allow-10'] input, input[data-testid='review-allow-10']").Change(new string('死', 65));
        cut.Find("form").Submit();
        Assert.Empty(_chat.Dismissed);
        cut.Find("[data-testid='review-allow-10'] input, input[data-testid='review-allow-10']").Change("死亡矿井");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("死亡矿井", Assert.Single(_chat.Dismissed).AllowPhrase));
    }
}
