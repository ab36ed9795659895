using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using GmTools.Simulator;
using Grpc.Core;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

/// <summary>
/// Game servers r1 and r2 with a simulated game server for r1 on a real GameLink stream; players p-r1..p-r5 on r1,
/// p-r9 on r2; approval above 100.00 CNY (the default); a catalogue of gold for grants from cases.
/// </summary>
public sealed class RechargeFixture : ServerFixture
{
    private readonly Dictionary<string, string> _credentials = [];

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:GameLink:HeartbeatInterval"] = TimeSpan.FromMinutes(2).ToString(),
        ["GmTools:GameLink:AckTimeout"] = TimeSpan.FromSeconds(30).ToString(),
        ["GmTools:GameLink:SweepInterval"] = TimeSpan.FromSeconds(5).ToString(),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var gs in new[] { "r1", "r2" })
        {
            _credentials[gs] = await GameServerCredentialAsync(gs);
        }
        foreach (var p in new[] { "p-r1", "p-r2", "p-r3", "p-r4", "p-r5" })
        {
            await this.AddPlayerAsync(p, "r1");
        }
        await this.AddPlayerAsync("p-r9", "r2");
        await new RewardService.RewardServiceClient(StaffChannel("ada", Role.Admin)).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true },
            Reason = "catalogue setup",
        });
    }

    public SimulatedGameServer Sim(string gs, SimulatorOptions? options = null) =>
        GameLink.GameLinkTestKit.Sim(Server, gs, _credentials[gs], options ?? new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
}

public sealed class RechargeAdjustmentTests(RechargeFixture fx) : IClassFixture<RechargeFixture>
{
    private static readonly string[] Supervisors = ["sue", "sam"];

    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private CaseService.CaseServiceClient As(string user, Role role = Role.Agent) => fx.Cases(user, role);

    private async Task<long> OpenRechargeAsync(string player, string kind = "recharge") =>
        (await As("amy").OpenCaseAsync(CaseKit.Open(player, kind, Now).With(r => r.Record.GameServerId = player == "p-r9" ? "r2" : "r1"))).Case.CaseId;

    private static RequestRechargeAdjustmentRequest Adjust(long caseId, string reference, long amount, string? key = null) => new()
    {
        CaseId = caseId,
        PaymentReference = reference,
        Amount = amount,
        Currency = "CNY",
        Reason = "the provider confirms the payment; the diamonds never arrived",
        IdempotencyKey = key ?? Guid.NewGuid().ToString(),
    };

    private Task<long> RechargeTotalAsync(string player) => fx.ScalarAsync("SELECT recharge_total FROM players WHERE player_id = @p", ("p", player));

    private Task<long> CreditCommandsAsync(long adjustmentId) =>
        fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'credit_recharge' AND correlation_id = @c", ("c", "recharge:" + adjustmentId.ToString(CultureInfo.InvariantCulture)));

    private Task<long> WrittenAsync() => fx.ScalarAsync(
        "SELECT (SELECT count(*) FROM recharge_adjustments) * 1000000 + (SELECT count(*) FROM gamelink_outbox) * 1000 + (SELECT count(*) FROM audit_records WHERE action LIKE 'case.recharge%')");

    private async Task<RechargeAdjustment> StateAsync(long caseId) =>
        (await As("amy").ListRechargeAdjustmentsAsync(new ListRechargeAdjustmentsRequest { CaseId = caseId })).Adjustments.Single();

    private Task SettledAsync(long caseId, RechargeAdjustmentState state) =>
        PollAsync(async () => (await StateAsync(caseId)).State == state, $"adjustment of case {caseId} {state}");

    [Fact]
    public async Task Below_the_threshold_it_is_credited_once_even_when_retried_and_the_recharge_total_grows()
    {
        var sim = fx.Sim("r1");
        await using var run = Start(sim);
        var caseId = await OpenRechargeAsync("p-r1");
        var before = await RechargeTotalAsync("p-r1");
        var request = Adjust(caseId, "ALI-1001", 6_480, key: "adj-1");
        var first = (await As("amy").RequestRechargeAdjustmentAsync(request)).Adjustment;
        Assert.Equal((RechargeAdjustmentState.Sent, false), (first.State, first.ApprovalRequired));

        // The client's retry replays; a second adjustment for the same payment, from this case or another, names the first.
        Assert.Equal(first.AdjustmentId, (await As("amy").RequestRechargeAdjustmentAsync(request)).Adjustment.AdjustmentId);
        var again = await RefusedAsync(() => As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "ALI-1001", 6_480)).ResponseAsync, StatusCode.AlreadyExists);
        Assert.Contains($"recharge adjustment {first.AdjustmentId}", again.Status.Detail);
        var otherCase = await OpenRechargeAsync("p-r1");
        await RefusedAsync(() => As("bob").RequestRechargeAdjustmentAsync(Adjust(otherCase, "ALI-1001", 100)).ResponseAsync, StatusCode.AlreadyExists);

        await SettledAsync(caseId, RechargeAdjustmentState.Applied);
        Assert.Equal((1, 6_480L), (sim.CreditsFor("ALI-1001"), sim.Recharged("p-r1")));
        Assert.Equal(1, await CreditCommandsAsync(first.AdjustmentId));
        Assert.Equal(before + 6_480, await RechargeTotalAsync("p-r1"));
        var made = (await As("amy").GetCaseAsync(new GetCaseRequest { CaseId = caseId })).Links.Single();
        Assert.Equal((CaseLinkKind.RechargeAdjustment, CaseLinkOrigin.MadeFromCase), (made.Kind, made.Origin));
        Assert.Contains("applied", made.Summary);
    }

    [Fact]
    public async Task A_credit_redelivered_after_a_lost_ack_is_applied_and_counted_once()
    {
        var options = new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10), WithholdAcks = true };
        var sim = fx.Sim("r1", options);
        var caseId = await OpenRechargeAsync("p-r2");
        var before = await RechargeTotalAsync("p-r2");
        var adjustment = (await As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "WX-2002", 3_000))).Adjustment;
        var commandId = await fx.ScalarAsync("SELECT command_id FROM gamelink_outbox WHERE correlation_id = @c", ("c", "recharge:" + adjustment.AdjustmentId.ToString(CultureInfo.InvariantCulture)));
        await using (Start(sim))
        {
            await EventuallyAsync(() => sim.HasProcessed(commandId), "the game server applied the credit without answering");
        }
        Assert.Equal(RechargeAdjustmentState.Sent, (await StateAsync(caseId)).State);
        Assert.Equal(before, await RechargeTotalAsync("p-r2"));

        // Back, answering this time: the command comes again (or the hello says it was applied); the game server
        // applies each id once, and the total grows once.
        options.WithholdAcks = false;
        await using (Start(sim))
        {
            await SettledAsync(caseId, RechargeAdjustmentState.Applied);
        }
        Assert.Equal((1, 3_000L), (sim.CreditsFor("WX-2002"), sim.Recharged("p-r2")));
        Assert.Equal(before + 3_000, await RechargeTotalAsync("p-r2"));
        Assert.Equal(1, await CreditCommandsAsync(adjustment.AdjustmentId));
    }

    [Fact]
    public async Task Above_the_threshold_it_escalates_the_case_and_two_supervisors_approving_at_once_send_one_credit()
    {
        var sim = fx.Sim("r1");
        await using var run = Start(sim);
        var caseId = await OpenRechargeAsync("p-r3");
        var before = await RechargeTotalAsync("p-r3");
        var requested = await As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "ALI-3003", 64_800));
        Assert.Equal((RechargeAdjustmentState.PendingApproval, true), (requested.Adjustment.State, requested.Adjustment.ApprovalRequired));
        // Not refused, not left unseen: the case is at the level that approves (supervisor), in its queue.
        Assert.Equal(("supervisor", ""), (requested.Case.EscalationLevel, requested.Case.Assignee));
        Assert.Equal(0, await CreditCommandsAsync(requested.Adjustment.AdjustmentId));

        var id = requested.Adjustment.AdjustmentId;
        await RefusedAsync(() => As("amy").ApproveRechargeAdjustmentAsync(new ApproveRechargeAdjustmentRequest { AdjustmentId = id }).ResponseAsync, StatusCode.PermissionDenied);
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc", ["r2"], Role.Supervisor)));
        await RefusedAsync(() => scoped.ApproveRechargeAdjustmentAsync(new ApproveRechargeAdjustmentRequest { AdjustmentId = id }).ResponseAsync, StatusCode.NotFound);

        var approvals = await Task.WhenAll(Supervisors.Select(async who =>
        {
            try
            {
                return (await As(who, Role.Supervisor).ApproveRechargeAdjustmentAsync(new ApproveRechargeAdjustmentRequest { AdjustmentId = id, Reason = "checked with Alipay" })).Adjustment.State.ToString();
            }
            catch (RpcException e)
            {
                return e.StatusCode.ToString();
            }
        }));
        Assert.Equal(["FailedPrecondition", "Sent"], approvals.Order(StringComparer.Ordinal));
        Assert.Equal(1, await CreditCommandsAsync(id));
        await SettledAsync(caseId, RechargeAdjustmentState.Applied);
        Assert.Equal(1, sim.CreditsFor("ALI-3003"));
        Assert.Equal(before + 64_800, await RechargeTotalAsync("p-r3"));

        // A supervisor's own request above the threshold still needs another supervisor.
        var own = (await As("sue", Role.Supervisor).RequestRechargeAdjustmentAsync(Adjust(await OpenRechargeAsync("p-r3"), "ALI-3004", 20_000))).Adjustment;
        await RefusedAsync(() => As("sue", Role.Supervisor).ApproveRechargeAdjustmentAsync(new ApproveRechargeAdjustmentRequest { AdjustmentId = own.AdjustmentId }).ResponseAsync, StatusCode.PermissionDenied);
    }

    [Fact]
    public async Task A_rejected_adjustment_frees_its_payment_reference()
    {
        var caseId = await OpenRechargeAsync("p-r4");
        var first = (await As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "ALI-4004", 50_000))).Adjustment;
        var rejected = (await As("sue", Role.Supervisor).RejectRechargeAdjustmentAsync(new RejectRechargeAdjustmentRequest { AdjustmentId = first.AdjustmentId, Reason = "amount is 500.00, not 5,000.00" })).Adjustment;
        Assert.Equal((RechargeAdjustmentState.Rejected, "sue"), (rejected.State, rejected.DecidedBy));
        await RefusedAsync(() => As("sam", Role.Supervisor).ApproveRechargeAdjustmentAsync(new ApproveRechargeAdjustmentRequest { AdjustmentId = first.AdjustmentId }).ResponseAsync, StatusCode.FailedPrecondition);
        Assert.Equal(RechargeAdjustmentState.Sent, (await As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "ALI-4004", 5_000))).Adjustment.State);
        var inbox = await As("sue", Role.Supervisor).ListRechargeAdjustmentsAsync(new ListRechargeAdjustmentsRequest { State = RechargeAdjustmentState.PendingApproval, PageSize = 200 });
        Assert.DoesNotContain(inbox.Adjustments, a => a.CaseId == caseId);
    }

    [Fact]
    public async Task Bad_adjustments_are_refused_clearly_and_nothing_is_written()
    {
        var caseId = await OpenRechargeAsync("p-r5");
        var complaint = await OpenRechargeAsync("p-r5", "complaint");
        var onR2 = await OpenRechargeAsync("p-r9");
        var before = await WrittenAsync();
        async Task<IReadOnlyList<string>> Invalid(RequestRechargeAdjustmentRequest r) =>
            (await RefusedAsync(() => As("amy").RequestRechargeAdjustmentAsync(r).ResponseAsync, StatusCode.InvalidArgument)).Fields();
        Assert.Equal(["amount"], await Invalid(Adjust(caseId, "X-1", 0)));
        Assert.Equal(["amount"], await Invalid(Adjust(caseId, "X-1", -500)));
        Assert.Equal(["amount"], await Invalid(Adjust(caseId, "X-1", 10_000_001)));
        Assert.Equal(["case_id", "payment_reference", "currency", "reason"], await Invalid(new RequestRechargeAdjustmentRequest { Amount = 1, Currency = "yuan" }));
        await RefusedAsync(() => As("amy").RequestRechargeAdjustmentAsync(Adjust(caseId, "X-1", 100).With(r => r.Currency = "USD")).ResponseAsync, StatusCode.FailedPrecondition);
        await RefusedAsync(() => As("amy").RequestRechargeAdjustmentAsync(Adjust(complaint, "X-1", 100)).ResponseAsync, StatusCode.FailedPrecondition);
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc-r2", ["r2"], Role.Agent)));
        await RefusedAsync(() => scoped.RequestRechargeAdjustmentAsync(Adjust(caseId, "X-1", 100)).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => fx.Cases("vic", Role.Viewer).RequestRechargeAdjustmentAsync(Adjust(caseId, "X-1", 100)).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(before, await WrittenAsync());
        Assert.DoesNotContain((await scoped.ListRechargeAdjustmentsAsync(new ListRechargeAdjustmentsRequest())).Adjustments, a => a.GameServerId == "r1");
        Assert.Equal(RechargeAdjustmentState.Sent, (await scoped.RequestRechargeAdjustmentAsync(Adjust(onR2, "X-2", 100))).Adjustment.State);
    }

    [Fact]
    public async Task A_grant_over_the_agents_limit_from_a_case_escalates_the_case_to_the_level_that_approves()
    {
        var caseId = await OpenRechargeAsync("p-r5", "complaint");
        var rewards = new RewardService.RewardServiceClient(fx.StaffChannel("amy", Role.Agent));
        var grant = (await rewards.CreateGrantAsync(new CreateGrantRequest
        {
            IdempotencyKey = "big-from-case", Lines = { new RewardLine { ItemId = "gold", Count = 20_000 } }, PlayerIds = { "p-r5" },
            Reason = "outage compensation", MailTitle = "补偿", CaseId = caseId,
        })).Grant;
        Assert.Equal(GrantState.PendingApproval, grant.State);
        var got = await As("amy").GetCaseAsync(new GetCaseRequest { CaseId = caseId });
        Assert.Equal("supervisor", got.Case.EscalationLevel);
        Assert.Contains(got.Notes, n => n.Text.Contains($"grant {grant.GrantId} needs approval", StringComparison.Ordinal));
        Assert.Contains(got.Links, l => l.Kind == CaseLinkKind.Grant && l.Origin == CaseLinkOrigin.MadeFromCase);
    }
}
