using Bunit;
using GmTools.Console.Components.Pages.Grants;
using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace GmTools.Console.Tests.Components;

public sealed class GrantFormTests : ComponentTest
{
    private readonly FakeRewards _rewards = new();

    public GrantFormTests()
    {
        Services.AddSingleton<RewardService.RewardServiceClient>(_rewards);
        SignedInAs(Contracts.V1.Role.Agent, AgentPermissions);
        RenderPopoverHost();
    }

    private IRenderedComponent<NewGrant> RenderForm(string? players = "p1")
    {
        if (players is not null)
        {
            var nav = Services.GetRequiredService<NavigationManager>();
            nav.NavigateTo(nav.GetUriWithQueryParameter("player", players));
        }
        var cut = Render<NewGrant>();
        cut.WaitForElement("[data-testid='catalogue-add-gold']");
        return cut;
    }

    private static string FieldText(IRenderedComponent<NewGrant> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    private static void Fill(IRenderedComponent<NewGrant> cut, string reason = "活动奖励未到账")
    {
        cut.Find("[data-testid='grant-reason']").Input(reason);
    }

    [Fact]
    public void The_catalogue_offers_active_items_and_the_player_from_the_dossier_is_filled_in()
    {
        var cut = RenderForm("p7");
        Assert.Empty(cut.FindAll("[data-testid='catalogue-add-old.hat']"));
        Assert.Contains("宝石 Gem", cut.Find("[data-testid='catalogue']").TextContent, StringComparison.Ordinal);
        Assert.Equal("p7", cut.Find("[data-testid='grant-players']").GetAttribute("value"));
    }

    [Fact]
    public void Without_items_or_a_reason_nothing_is_sent_and_the_form_says_what_is_missing()
    {
        var cut = RenderForm();
        cut.Find("form").Submit();
        Assert.Empty(_rewards.Created);
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Add at least one item", cut.Find("[data-testid='grant-lines-error']").TextContent, StringComparison.Ordinal);
            Assert.Contains("Required", FieldText(cut, "grant-reason"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_count_out_of_range_is_marked_on_its_line_and_nothing_is_sent()
    {
        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-gem']").Click();
        cut.Find("[data-testid='line-count-gem']").Change("0");
        Fill(cut);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Between 1 and 1,000,000", FieldText(cut, "line-count-gem"), StringComparison.Ordinal));
        Assert.Empty(_rewards.Created);
    }

    [Fact]
    public void The_preview_prices_the_lines_for_every_player_before_granting()
    {
        var cut = RenderForm("p1, p2");
        cut.Find("[data-testid='catalogue-add-gem']").Click();
        cut.Find("[data-testid='line-count-gem']").Change("3");
        cut.Find("[data-testid='catalogue-add-gold']").Click();
        cut.WaitForAssertion(() => Assert.Contains("2 item line(s) to 2 player(s): ¥3.01 per player, ¥6.02 in all",
            cut.Find("[data-testid='grant-preview']").TextContent, StringComparison.Ordinal));
        // An item already on the form is not offered twice.
        Assert.True(cut.Find("[data-testid='catalogue-add-gem']").HasAttribute("disabled"));
    }

    [Fact]
    public void The_request_carries_the_lines_the_players_and_the_mail()
    {
        var cut = RenderForm("p1, p2 p2");
        cut.Find("[data-testid='catalogue-add-mount.horse']").Click();
        cut.Find("[data-testid='line-count-mount.horse']").Change("2");
        Fill(cut, "  坐骑活动奖励未到账 ");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Single(_rewards.Created));
        var sent = _rewards.Created[0];
        Assert.Equal(["p1", "p2"], sent.PlayerIds);
        var line = Assert.Single(sent.Lines);
        Assert.Equal(("mount.horse", 2L), (line.ItemId, line.Count));
        Assert.Equal("坐骑活动奖励未到账", sent.Reason);
        Assert.Equal("补偿 Compensation", sent.MailTitle);
        Assert.StartsWith("console-", sent.IdempotencyKey, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grant_over_the_limit_says_it_waits_for_approval()
    {
        _rewards.Answers.Enqueue(_ => Calls.Ok(new CreateGrantResponse { Grant = FakeRewards.Pending(41, "agent.tester") }));
        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-mount.horse']").Click();
        Fill(cut);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid='grant-result']");
            Assert.Equal("PendingApproval", result.GetAttribute("data-state"));
            Assert.Contains("#41 is waiting for a supervisor's approval (over the per-grant limit)", result.TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_servers_field_violations_mark_the_line_and_the_players_they_name()
    {
        _rewards.Answers.Enqueue(_ => Calls.Fail<CreateGrantResponse>(Calls.InvalidArgument(
            ("lines[1].count", "must be between 1 and 500"), ("player_ids[0]", "must be 1-64 characters"), ("mail_body", "too long"))));
        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-gold']").Click();
        cut.Find("[data-testid='catalogue-add-gem']").Click();
        Fill(cut);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("must be between 1 and 500", FieldText(cut, "line-count-gem"), StringComparison.Ordinal);
            Assert.DoesNotContain("must be between 1 and 500", FieldText(cut, "line-count-gold"), StringComparison.Ordinal);
            Assert.Contains("must be 1-64 characters", FieldText(cut, "grant-players"), StringComparison.Ordinal);
            Assert.Contains("too long", FieldText(cut, "grant-mail-body"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_retry_after_a_lost_answer_sends_the_same_idempotency_key_and_the_next_grant_a_new_one()
    {
        _rewards.Answers.Enqueue(_ => Calls.Fail<CreateGrantResponse>(new RpcException(new Status(StatusCode.Unavailable, "connection reset"))));
        var cut = RenderForm();
        cut.Find("[data-testid='catalogue-add-gold']").Click();
        Fill(cut);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("not reachable", cut.Find("[data-testid='server-error']").TextContent, StringComparison.Ordinal));
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid='grant-result']");
        Assert.Equal(2, _rewards.Created.Count);
        Assert.Equal(_rewards.Created[0], _rewards.Created[1]);

        cut.Find("[data-testid='grant-another']").Click();
        cut.Find("[data-testid='catalogue-add-gold']").Click();
        Fill(cut);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(3, _rewards.Created.Count));
        Assert.NotEqual(_rewards.Created[0].IdempotencyKey, _rewards.Created[2].IdempotencyKey);
    }
}
