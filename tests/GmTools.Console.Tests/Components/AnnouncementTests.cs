using Bunit;
using GmTools.Console.Components.Pages.Announcements;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The announcement editor's checks, what it sends, the inbox's four eyes and what each role is offered.</summary>
public sealed class AnnouncementTests : ComponentTest
{
    private readonly FakeAnnouncements _announcements = new();

    /// <summary>12:00:30 in Shanghai: a new announcement runs from 12:00 to 13:00 there, 04:00 to 05:00 UTC.</summary>
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 30, TimeSpan.Zero);

    public AnnouncementTests()
    {
        Services.AddSingleton<AnnouncementService.AnnouncementServiceClient>(_announcements);
        Services.AddSingleton<GameServerService.GameServerServiceClient>(new FakeGameServers());
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
    }

    private IRenderedComponent<AnnouncementEditor> RenderEditor(Role role, string[] permissions)
    {
        SignedInAs(role, permissions);
        RenderPopoverHost();
        var cut = Render<AnnouncementEditor>();
        cut.WaitForAssertion(() => cut.Find("[data-testid='ann-server-s1']"));
        return cut;
    }

    private static string FieldText(IRenderedComponent<AnnouncementEditor> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void Nothing_is_sent_without_a_text_or_a_target_and_the_form_says_why()
    {
        var cut = RenderEditor(Role.Gm, LivePermissions.Gm);
        cut.Find("[data-testid='ann-publish']").Click();
        Assert.Empty(_announcements.Created);
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Write the text in at least one language", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Choose game servers or all servers", cut.Markup, StringComparison.Ordinal);
        });
        cut.Find("[data-testid='ann-preview']").Click();
        Assert.Empty(_announcements.Previewed);
    }

    [Fact]
    public void Texts_side_by_side_and_the_window_in_the_staff_zone_are_sent_in_utc_with_one_key_across_a_retry()
    {
        var cut = RenderEditor(Role.Gm, LivePermissions.Gm);
        cut.Find("[data-testid='ann-text-zh-CN']").Input("今晚八点双倍经验");
        cut.Find("[data-testid='ann-text-en']").Input("Double XP tonight at eight");
        cut.Find("[data-testid='ann-server-s2']").Change(true);
        _announcements.Refusals.Enqueue(Calls.InvalidArgument(("spec.texts[1].text", "unknown placeholder {min}")));
        cut.Find("[data-testid='ann-publish']").Click();
        cut.WaitForAssertion(() => Assert.Contains("unknown placeholder {min}", FieldText(cut, "ann-text-en"), StringComparison.Ordinal));
        Assert.DoesNotContain("unknown placeholder", FieldText(cut, "ann-text-zh-CN"), StringComparison.Ordinal);

        cut.Find("[data-testid='ann-publish']").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, _announcements.Created.Count));
        var sent = _announcements.Created[1];
        Assert.Equal(_announcements.Created[0].IdempotencyKey, sent.IdempotencyKey);
        Assert.True(sent.Publish);
        Assert.Equal("zh-CN:今晚八点双倍经验|en:Double XP tonight at eight", string.Join("|", sent.Spec.Texts.Select(t => $"{t.Locale}:{t.Text}")));
        Assert.Equal("s2", Assert.Single(sent.Spec.Targets.GameServerIds));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 4, 0, 0, TimeSpan.Zero), sent.Spec.Start.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 5, 0, 0, TimeSpan.Zero), sent.Spec.End.ToDateTimeOffset());
        Assert.Null(sent.Spec.RepeatInterval);
        Assert.Null(sent.Spec.Countdown);
    }

    [Fact]
    public void A_field_violation_names_the_row_sent_not_the_row_of_the_form()
    {
        var cut = RenderEditor(Role.Gm, LivePermissions.Gm);
        cut.Find("[data-testid='ann-text-en']").Input("Servers restart at noon");
        cut.Find("[data-testid='ann-all-servers']").Change(true);
        _announcements.Refusals.Enqueue(Calls.InvalidArgument(("spec.texts[0].text", "too long for a marquee")));
        cut.Find("[data-testid='ann-save-draft']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Contains("too long for a marquee", FieldText(cut, "ann-text-en"), StringComparison.Ordinal));
        Assert.False(Assert.Single(_announcements.Created).Publish);
        Assert.True(_announcements.Created[0].Spec.Targets.AllServers);
        Assert.Equal("en", Assert.Single(_announcements.Created[0].Spec.Texts).Locale);
    }

    [Fact]
    public void A_maintenance_countdown_needs_decreasing_offsets_and_sends_its_steps_and_final_notice()
    {
        var cut = RenderEditor(Role.Gm, LivePermissions.Gm);
        cut.Find("[data-testid='ann-countdown']").Change(true);
        cut.Find("[data-testid='ann-text-zh-CN']").Input("服务器将在{minutes}分钟后停机维护");
        cut.Find("[data-testid='ann-server-s1']").Change(true);
        cut.Find("[data-testid='ann-offsets']").Change("10, 30");
        cut.Find("[data-testid='ann-publish']").Click();
        Assert.Empty(_announcements.Created);
        cut.WaitForAssertion(() => Assert.Contains("strictly decreasing", FieldText(cut, "ann-offsets"), StringComparison.Ordinal));
        Assert.Contains("Write the final notice in at least one language", cut.Markup, StringComparison.Ordinal);

        cut.Find("[data-testid='ann-offsets']").Change("30, 10, 5, 1");
        cut.Find("[data-testid='ann-final-zh-CN']").Change("服务器正在停机维护");
        cut.Find("[data-testid='ann-preview']").Click();
        cut.WaitForAssertion(() => cut.Find("[data-testid='announcement-preview']"));
        cut.Find("[data-testid='ann-publish']").Click();
        cut.WaitForAssertion(() => Assert.Single(_announcements.Created));
        var countdown = _announcements.Created[0].Spec.Countdown;
        Assert.Equal("30 10 5 1", string.Join(" ", countdown.OffsetsMinutes));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 5, 0, 0, TimeSpan.Zero), countdown.MaintenanceAt.ToDateTimeOffset());
        Assert.Equal("服务器正在停机维护", Assert.Single(countdown.FinalTexts).Text);
        Assert.Null(_announcements.Created[0].Spec.RepeatInterval);
    }

    [Fact]
    public void The_preview_says_the_fire_times_the_servers_and_that_all_servers_needs_a_second_person()
    {
        var cut = RenderEditor(Role.Gm, LivePermissions.Gm);
        cut.Find("[data-testid='ann-text-zh-CN']").Input("全服公告");
        cut.Find("[data-testid='ann-all-servers']").Change(true);
        cut.Find("[data-testid='ann-preview']").Click();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid='announcement-preview']").GetAttribute("data-needs-approval")));
        Assert.Single(cut.FindAll("[data-testid='preview-fire']"));
        Assert.Contains("s1, s2", cut.Find("[data-testid='announcement-preview']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_may_save_a_draft_but_not_publish()
    {
        var agent = RenderEditor(Role.Agent, LivePermissions.Agent);
        agent.Find("[data-testid='ann-save-draft']");
        Assert.Empty(agent.FindAll("[data-testid='ann-publish']"));
    }

    [Fact]
    public void A_viewer_reads_the_list_but_is_offered_no_new_announcement()
    {
        SignedInAs(Role.Viewer, LivePermissions.Viewer);
        _announcements.Stored[9] = FakeAnnouncements.Pending(9, "gm.tester");
        _announcements.Stored[9].State = AnnouncementState.Active;
        var list = Render<AnnouncementList>();
        list.WaitForAssertion(() => Assert.Single(list.FindAll("[data-testid='announcement-row']")));
        Assert.Empty(list.FindAll("[data-testid='announcement-new']"));
        Render<NewAnnouncement>().Find("[data-testid='not-allowed']");
        Render<AnnouncementApprovals>().Find("[data-testid='not-allowed']");
    }

    [Fact]
    public void The_inbox_offers_no_decision_on_ones_own_announcement_and_approves_anothers()
    {
        SignedInAs(Role.Supervisor, LivePermissions.Supervisor);
        _announcements.Stored[1] = FakeAnnouncements.Pending(1, "supervisor.tester");
        _announcements.Stored[2] = FakeAnnouncements.Pending(2, "gina.gm");
        var cut = Render<AnnouncementApprovals>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='ann-inbox-item']").Count));
        Assert.Empty(cut.FindAll("[data-testid='ann-inbox-approve-1']"));
        cut.Find("[data-testid='ann-inbox-own']");
        Assert.Equal(2, cut.FindAll("[data-testid='announcement-preview']").Count);
        cut.Find("[data-testid='ann-inbox-approve-2']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("approve", 2L), (_announcements.Actions[0].Action, _announcements.Actions[0].Id)));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid='ann-inbox-item']")));
    }

    [Fact]
    public void The_detail_shows_receipts_as_reached_n_of_m_and_cancels()
    {
        SignedInAs(Role.Gm, LivePermissions.Gm);
        var a = FakeAnnouncements.Pending(3, "gm.tester");
        a.State = AnnouncementState.Active;
        _announcements.Stored[3] = a;
        _announcements.Receipts.Add(new AnnouncementReceipt { Outcome = "delivered", Targets = 3, Acknowledged = 2, NotAcknowledgedGameServerIds = { "s3" }, OccursAt = a.Spec.Start, SentAt = a.Spec.Start });
        var cut = Render<AnnouncementDetail>(p => p.Add(x => x.AnnouncementId, 3L));
        cut.WaitForAssertion(() => Assert.Contains("2 of 3 servers", cut.Find("[data-testid='ann-receipt']").TextContent, StringComparison.Ordinal));
        Assert.Contains("s3", cut.Find("[data-testid='ann-receipt']").TextContent, StringComparison.Ordinal);
        Assert.Contains("全服维护补偿已发放", cut.Find("[data-testid='announcement-summary']").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid='ann-approve']"));
        cut.Find("[data-testid='ann-action-reason']").Change("sent by mistake");
        cut.Find("[data-testid='ann-cancel']").Click();
        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-testid='announcement']").GetAttribute("data-state")));
        Assert.Equal(("cancel", 3L, "sent by mistake"), _announcements.Actions[0]);
    }
}
