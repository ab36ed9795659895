using Bunit;
using GmTools.Console.Components.Pages.Sanctions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace GmTools.Console.Tests.Components;

public sealed class IssueSanctionFormTests : ComponentTest
{
    private readonly FakeSanctions _sanctions = new();

    public IssueSanctionFormTests()
    {
        Services.AddSingleton<SanctionService.SanctionServiceClient>(_sanctions);
        SignedInAs(Contracts.V1.Role.Gm, GmPermissions);
        RenderPopoverHost();
    }

    private IRenderedComponent<IssueSanctionPanel> RenderPanel(SanctionKind kind = SanctionKind.Mute) =>
        Render<IssueSanctionPanel>(p => p
            .Add(x => x.Player, Calls.Player())
            .Add(x => x.Kind, kind)
            .Add(x => x.AllGameServerIds, ["s1", "s2", "s3"]));

    // Mud inputs carry the test id on the input element itself; immediate fields bind on input events.
    private static void TypeInto(IRenderedComponent<IssueSanctionPanel> cut, string testId, string text) =>
        cut.Find($"[data-testid='{testId}']").Input(text);

    /// <summary>What the field shows around its input: label, value and any validation message.</summary>
    private static string FieldText(IRenderedComponent<IssueSanctionPanel> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void Without_a_reason_nothing_is_sent_and_the_reason_field_says_it_is_required()
    {
        var cut = RenderPanel();
        cut.Find("form").Submit();
        Assert.Empty(_sanctions.Issued);
        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "issue-reason"), StringComparison.Ordinal));
    }

    [Fact]
    public void The_ladders_proposal_and_what_the_action_touches_are_shown_before_issuing()
    {
        _sanctions.Proposal = new ProposeSanctionResponse { Step = 2, Steps = 3, PriorOffenses = 1, Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Contains("step 2 of 3 (1 prior offenses) → 1 d", cut.Find("[data-testid='ladder-proposal']").TextContent, StringComparison.Ordinal));
        Assert.Contains("1 player on 1 game server(s): s1", cut.Find("[data-testid='issue-preview']").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid='issue-all-servers']").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("1 player on 3 game server(s): s1, s2, s3", cut.Find("[data-testid='issue-preview']").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void A_kick_offers_no_end_and_no_ladder()
    {
        var cut = RenderPanel(SanctionKind.Kick);
        Assert.Empty(cut.FindAll("[data-testid='ladder-proposal']"));
        Assert.Empty(cut.FindAll("[data-testid='issue-end-mode']"));
    }

    [Fact]
    public void The_servers_field_violations_mark_the_fields_they_name()
    {
        _sanctions.Answers.Enqueue(_ => Calls.Fail<IssueSanctionResponse>(Calls.InvalidArgument(("reason", "must not be all spaces"), ("player_id", "is unknown"))));
        var cut = RenderPanel();
        TypeInto(cut, "issue-reason", "spam");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("must not be all spaces", FieldText(cut, "issue-reason"), StringComparison.Ordinal);
            // A field the form does not have is listed with the server's reason, never as an exception.
            Assert.Contains("player_id: is unknown", cut.Find("[data-testid='server-error']").TextContent, StringComparison.Ordinal);
        });
        Assert.Single(_sanctions.Issued);
    }

    [Fact]
    public void A_retry_after_a_lost_answer_sends_the_same_idempotency_key_and_the_next_submission_a_new_one()
    {
        _sanctions.Answers.Enqueue(_ => Calls.Fail<IssueSanctionResponse>(new RpcException(new Status(StatusCode.Unavailable, "connection reset"))));
        var issued = 0;
        var cut = Render<IssueSanctionPanel>(p => p
            .Add(x => x.Player, Calls.Player())
            .Add(x => x.Kind, SanctionKind.Mute)
            .Add(x => x.OnIssued, (Sanction _) => issued++));
        TypeInto(cut, "issue-reason", "ads in world chat");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("not reachable", cut.Find("[data-testid='server-error']").TextContent, StringComparison.Ordinal));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(1, issued));
        Assert.Equal(2, _sanctions.Issued.Count);
        Assert.False(string.IsNullOrEmpty(_sanctions.Issued[0].IdempotencyKey));
        Assert.Equal(_sanctions.Issued[0].IdempotencyKey, _sanctions.Issued[1].IdempotencyKey);
        Assert.Equal(_sanctions.Issued[0], _sanctions.Issued[1]);
        Assert.NotEqual(_sanctions.Issued[0].IdempotencyKey, cut.Instance.SubmissionKey);
    }

    [Fact]
    public void Departing_from_the_ladder_needs_an_override_reason()
    {
        var form = new IssueSanctionForm { Kind = SanctionKind.Ban, ReasonCode = "cheating", Reason = "speed hack", EndMode = SanctionEndMode.Permanent };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(form, new(form), results, true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(IssueSanctionForm.OverrideReason)));

        form.OverrideReason = "agreed with the lead GM";
        results.Clear();
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(form, new(form), results, true));
        var request = form.ToRequest(Calls.Player(), new Localization.ConsolePreferences(Microsoft.Extensions.Options.Options.Create(new ConsoleOptions())));
        Assert.True(request.End.Permanent);
        Assert.Equal("s1", request.Scope.GameServerId);
    }
}
