using GmTools.Contracts.V1;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Sanctions;

public sealed class SanctionWorkflowTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    [Fact]
    public async Task An_appeal_decided_by_the_issuing_gm_is_refused_and_overturned_by_another_lifts_the_sanction()
    {
        var gs = await fx.GameServerAsync("wf-a");
        await fx.AddPlayerAsync("p-appeal", "wf-a");
        var issued = await fx.Staff("gm-issuer").IssueSanctionAsync(Ban("p-appeal", OnServer("wf-a")));
        var appeal = (await fx.Staff("agent-1", Role.Agent).FileAppealAsync(new FileAppealRequest
        {
            SanctionId = issued.Sanction.SanctionId, Statement = "It was my brother on my account", TicketRef = "T-9",
        })).Appeal;
        Assert.Equal(AppealState.Open, appeal.State);
        await RefusedAsync(async () => await fx.Staff("agent-1", Role.Agent).FileAppealAsync(new FileAppealRequest { SanctionId = issued.Sanction.SanctionId, Statement = "again" }), StatusCode.AlreadyExists);

        var before = await fx.CountsAsync();
        await RefusedAsync(async () => await fx.Staff("gm-issuer").DecideAppealAsync(new DecideAppealRequest
        {
            AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "I was wrong",
        }), StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.CountsAsync());
        Assert.False((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-appeal", GameServerId = "wf-a" })).MayLogIn);

        var decided = await fx.Staff("gm-reviewer").DecideAppealAsync(new DecideAppealRequest
        {
            AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "account sharing, first time",
        });
        Assert.Equal(AppealState.Overturned, decided.Appeal.State);
        Assert.Equal("gm-reviewer", decided.Appeal.DecidedBy);
        Assert.True(decided.Sanction.LiftedAsWrongful);
        Assert.Equal("gm-reviewer", decided.Sanction.LiftedBy);
        Assert.Equal([("wf-a", "kick"), ("wf-a", "ban"), ("wf-a", "unban")], await fx.OutboxAsync(issued.Sanction.SanctionId));
        Assert.True((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-appeal", GameServerId = "wf-a" })).MayLogIn);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'appeal.decide' AND actor = 'gm-reviewer'"));
        await RefusedAsync(async () => await fx.Staff("gm-third").DecideAppealAsync(new DecideAppealRequest
        {
            AppealId = appeal.AppealId, Decision = AppealState.Upheld, Note = "changed my mind",
        }), StatusCode.FailedPrecondition);
    }

    [Fact]
    public async Task An_upheld_appeal_keeps_the_sanction()
    {
        var gs = await fx.GameServerAsync("wf-u");
        await fx.AddPlayerAsync("p-upheld", "wf-u");
        var issued = await fx.Staff("gm-u1").IssueSanctionAsync(Mute("p-upheld", "wf-u", TimeSpan.FromDays(2)));
        var appeal = (await fx.Staff("agent-2", Role.Agent).FileAppealAsync(new FileAppealRequest { SanctionId = issued.Sanction.SanctionId, Statement = "unfair" })).Appeal;
        var decided = await fx.Staff("gm-u2").DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Upheld, Note = "chat log is clear" });
        Assert.Equal(AppealState.Upheld, decided.Appeal.State);
        Assert.True(decided.Sanction.Active);
        Assert.False((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-upheld", GameServerId = "wf-u" })).MayChat);
    }

    [Fact]
    public async Task The_guard_rail_refuses_the_gm_past_n_players_a_minute_until_the_minute_has_passed()
    {
        await fx.GameServerCredentialAsync("wf-g");
        for (var i = 0; i <= SanctionsFixture.GuardRail; i++)
        {
            await fx.AddPlayerAsync($"p-guard-{i}", "wf-g");
        }
        var gm = fx.Staff("gm-hasty");
        for (var i = 0; i < SanctionsFixture.GuardRail; i++)
        {
            await gm.IssueSanctionAsync(Mute($"p-guard-{i}", "wf-g"));
            fx.Clock.Advance(TimeSpan.FromSeconds(10));
        }
        var last = $"p-guard-{SanctionsFixture.GuardRail}";
        var before = await fx.CountsAsync();
        await RefusedAsync(async () => await gm.IssueSanctionAsync(Mute(last, "wf-g")), StatusCode.ResourceExhausted);
        Assert.Equal(before, await fx.CountsAsync());

        // Another GM has a guard rail of their own.
        await fx.Staff("gm-calm").IssueSanctionAsync(Mute(last, "wf-g"));

        // The window slides: once the first sanction is a minute old there is room for one more.
        fx.Clock.Advance(TimeSpan.FromSeconds(31));
        await gm.IssueSanctionAsync(Mute(last, "wf-g"));
    }

    [Fact]
    public async Task A_bulk_sanction_needs_its_preview_token_and_a_changed_list_cannot_reuse_it()
    {
        await fx.GameServerCredentialAsync("wf-b");
        foreach (var p in new[] { "p-bulk-1", "p-bulk-2" })
        {
            await fx.AddPlayerAsync(p, "wf-b");
        }
        var gm = fx.Staff("gm-bulk");
        var content = new PreviewBulkSanctionRequest
        {
            PlayerIds = { "p-bulk-1", "p-bulk-2", "p-ghost" },
            Kind = SanctionKind.Mute, Scope = OnServer("wf-b"), End = For(TimeSpan.FromHours(6)),
            ReasonCode = "gold_selling", Reason = "gold-selling wave", TicketRef = "T-B",
        };

        var noToken = await RefusedAsync(async () => await gm.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { Content = content }), StatusCode.InvalidArgument);
        Assert.Equal(["preview_token"], noToken.Fields());

        var preview = await gm.PreviewBulkSanctionAsync(content);
        Assert.Equal(["p-bulk-1", "p-bulk-2"], preview.Players.Select(p => p.PlayerId));
        Assert.Equal(["p-ghost"], preview.UnknownPlayerIds);
        Assert.Equal(["wf-b"], preview.AffectedGameServerIds);
        Assert.False(preview.NeedsApproval);

        var before = await fx.CountsAsync();
        var changed = content.With(c => c.PlayerIds.Add("p-bulk-3"));
        await RefusedAsync(async () => await gm.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = changed }), StatusCode.FailedPrecondition);
        var longer = content.With(c => c.End = For(TimeSpan.FromDays(6)));
        await RefusedAsync(async () => await gm.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = longer }), StatusCode.FailedPrecondition);
        await RefusedAsync(async () => await fx.Staff("gm-thief").ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = content }), StatusCode.NotFound);
        Assert.Equal(before.Sanctions, (await fx.CountsAsync()).Sanctions);

        var executed = await gm.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = content });
        Assert.Equal(
            [("p-bulk-1", BulkOutcome.Sanctioned), ("p-bulk-2", BulkOutcome.Sanctioned), ("p-ghost", BulkOutcome.NotFound)],
            executed.Results.Select(r => (r.PlayerId, r.Outcome)));
        foreach (var r in executed.Results.Where(r => r.Outcome == BulkOutcome.Sanctioned))
        {
            Assert.Equal([("wf-b", "mute")], await fx.OutboxAsync(r.SanctionId));
        }
        await RefusedAsync(async () => await gm.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = content }), StatusCode.FailedPrecondition);

        var again = await gm.PreviewBulkSanctionAsync(content);
        Assert.All(again.Players, p => Assert.True(p.AlreadySanctioned));
    }

    [Fact]
    public async Task A_bulk_above_the_guard_rail_needs_a_supervisor_who_is_not_the_requester()
    {
        await fx.GameServerCredentialAsync("wf-c");
        var ids = Enumerable.Range(0, SanctionsFixture.GuardRail + 2).Select(i => $"p-mass-{i}").ToList();
        foreach (var p in ids)
        {
            await fx.AddPlayerAsync(p, "wf-c");
        }
        var requester = fx.Staff("sup-requester", Role.Supervisor);
        var content = new PreviewBulkSanctionRequest
        {
            PlayerIds = { ids }, Kind = SanctionKind.Ban, Scope = OnServer("wf-c"), End = For(TimeSpan.FromDays(30)),
            ReasonCode = "botting", Reason = "bot farm on wf-c",
        };
        var preview = await requester.PreviewBulkSanctionAsync(content);
        Assert.True(preview.NeedsApproval);
        var execute = new ExecuteBulkSanctionRequest { PreviewToken = preview.PreviewToken, Content = content };

        await RefusedAsync(async () => await requester.ExecuteBulkSanctionAsync(execute), StatusCode.ResourceExhausted);
        await RefusedAsync(async () => await requester.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = preview.PreviewToken }), StatusCode.PermissionDenied);
        await RefusedAsync(async () => await fx.Staff("gm-peer").ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = preview.PreviewToken }), StatusCode.PermissionDenied);

        var approval = await fx.Staff("sup-other", Role.Supervisor).ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = preview.PreviewToken, Note = "confirmed with anomaly team" });
        Assert.Equal("sup-other", approval.ApprovedBy);
        var executed = await requester.ExecuteBulkSanctionAsync(execute);
        Assert.Equal("sup-other", executed.ApprovedBy);
        Assert.All(executed.Results, r => Assert.Equal(BulkOutcome.Sanctioned, r.Outcome));

        // Approved sanctions do not use up the requester's own guard rail.
        await fx.AddPlayerAsync("p-mass-after", "wf-c");
        await requester.IssueSanctionAsync(Mute("p-mass-after", "wf-c"));
    }
}
