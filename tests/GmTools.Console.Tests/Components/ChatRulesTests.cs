using Bunit;
using GmTools.Console.Components.Pages.ChatWatch;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>The rule editor: changes held in the page, dry-run against the edited document, published with the version they were based on.</summary>
public sealed class ChatRulesTests : ComponentTest
{
    private readonly FakeChatRules _chat = new();

    public ChatRulesTests() => Services.AddSingleton<ChatWatchService.ChatWatchServiceClient>(_chat);

    private IRenderedComponent<ChatRulesPage> RenderRules(Role role, string[] permissions, IEnumerable<string>? scope = null)
    {
        Services.AddSingleton(Security.StaffSession.ForTests(role.ToString().ToLowerInvariant() + ".tester", [role], permissions, scope));
        RenderPopoverHost();
        var cut = Render<ChatRulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid='rules-term']").Count));
        return cut;
    }

    private static void Paste(IRenderedComponent<ChatRulesPage> cut, string lines) =>
        cut.Find("[data-testid='rules-dry-run-lines']").Change(lines);

    [Fact]
    public void The_draft_keeps_the_newest_change_of_a_text_and_applies_them_in_order()
    {
        var draft = new ChatRuleDraft(_chat.Rules, 7);
        draft.Add(new ChatRuleEdit(ChatRuleEditKind.AddTerm, "加微信", "ads"));
        draft.Add(new ChatRuleEdit(ChatRuleEditKind.RemoveTerm, "加微信"));
        draft.Add(new ChatRuleEdit(ChatRuleEditKind.RemoveTerm, "代练"));
        draft.Add(new ChatRuleEdit(ChatRuleEditKind.AddAllow, "出手"));
        Assert.Equal(3, draft.Edits.Count);
        var edited = draft.Edited();
        Assert.Equal("出售金币 傻逼", string.Join(" ", edited.Terms.Select(t => t.Text)));
        Assert.Equal("死亡矿井 出手", string.Join(" ", edited.Allowlist));
        Assert.Equal(3, _chat.Rules.Terms.Count);
        Assert.Null(draft.SingleTermEdit);
    }

    [Fact]
    public void A_supervisor_reads_and_dry_runs_but_is_offered_no_change()
    {
        var cut = RenderRules(Role.Supervisor, LivePermissions.Supervisor);
        Assert.Empty(cut.FindAll("[data-testid='rules-term-remove'], [data-testid='rules-add-term'], [data-testid='rules-publish'], [data-testid='rules-changes']"));
        Assert.Empty(cut.FindAll("[data-testid^='rules-rollback-']"));
        Paste(cut, "便宜出售金币\n大家好");
        cut.Find("[data-testid='rules-dry-run']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='rules-dry-run-result']").Count));
        Assert.Equal(7, Assert.Single(_chat.DryRuns).Version);
        Assert.Equal("true", cut.FindAll("[data-testid='rules-dry-run-result']")[0].GetAttribute("data-flagged"));
    }

    [Fact]
    public void An_admins_change_is_dry_run_against_the_edited_document_then_published_as_one_term_edit()
    {
        var cut = RenderRules(Role.Admin, LivePermissions.Admin);
        cut.Find("[data-testid='rules-new-term']").Change("加微信");
        cut.FindAll("form").First(f => f.QuerySelector("[data-testid='rules-new-term']") is not null).Submit();
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid='rules-changes']").GetAttribute("data-count")));

        Paste(cut, "加微信送金币\n大家好");
        cut.Find("[data-testid='rules-dry-run']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, _chat.DryRuns.Count));
        Assert.Contains(_chat.DryRuns[1].Proposed.Terms, t => t.Text == "加微信" && t.Category == "ads");
        var first = cut.FindAll("[data-testid='rules-dry-run-result']")[0];
        Assert.Equal(("true", "true"), (first.GetAttribute("data-flagged"), first.GetAttribute("data-changed")));

        _chat.Refusals.Enqueue(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.FailedPrecondition, "version 7 is no longer in force")));
        cut.Find("[data-testid='rules-publish']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Contains("no longer in force", cut.Find("[data-testid='server-error']").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid='rules-publish']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, _chat.TermEdits.Count));
        Assert.Equal(_chat.TermEdits[0].IdempotencyKey, _chat.TermEdits[1].IdempotencyKey);
        Assert.Equal(("加微信", "ads", false, 7L), (_chat.TermEdits[1].Term.Text, _chat.TermEdits[1].Term.Category, _chat.TermEdits[1].Remove, _chat.TermEdits[1].ExpectedVersion));
        Assert.Empty(_chat.Imports);
    }

    [Fact]
    public void More_than_one_change_is_published_as_a_whole_document()
    {
        var cut = RenderRules(Role.Admin, LivePermissions.Admin);
        cut.FindAll("[data-testid='rules-term-remove']")[1].Click();
        cut.Find("[data-testid='rules-new-allow']").Change("出手");
        cut.Find("[data-testid='rules-add-allow']").Click();
        cut.Find("[data-testid='rules-publish']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Single(_chat.Imports));
        var sent = _chat.Imports[0];
        Assert.Equal(7, sent.ExpectedVersion);
        Assert.DoesNotContain(sent.Rules.Terms, t => t.Text == "代练");
        Assert.Contains("出手", sent.Rules.Allowlist);
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("[data-testid='rules-version']").GetAttribute("data-version")));
    }

    [Fact]
    public void Pasted_lines_over_512_characters_are_refused_before_the_call()
    {
        var cut = RenderRules(Role.Supervisor, LivePermissions.Supervisor);
        Paste(cut, new string('金', 513));
        cut.Find("[data-testid='rules-dry-run']").Closest("form")!.Submit();
        Assert.Empty(_chat.DryRuns);
        cut.WaitForAssertion(() => Assert.Contains("At most 1,000 lines of at most 512 characters", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void An_admin_rolls_back_to_an_earlier_version()
    {
        var cut = RenderRules(Role.Admin, LivePermissions.Admin);
        Assert.Empty(cut.FindAll("[data-testid='rules-rollback-7']"));
        cut.Find("[data-testid='rules-rollback-5']").Click();
        cut.WaitForAssertion(() => Assert.Equal(5, Assert.Single(_chat.Rollbacks).ToVersion));
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("[data-testid='rules-version']").GetAttribute("data-version")));
    }

    [Fact]
    public void A_scoped_admin_is_offered_no_change()
    {
        var cut = RenderRules(Role.Admin, LivePermissions.Admin, ["s1"]);
        Assert.Empty(cut.FindAll("[data-testid='rules-term-remove'], [data-testid='rules-publish'], [data-testid^='rules-rollback-']"));
    }
}
