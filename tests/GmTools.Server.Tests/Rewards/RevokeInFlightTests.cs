using GmTools.Contracts.V1;
using GmTools.Simulator;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>Rewards with GameLink timings on the fake clock: acks time out after 30 s, heartbeats are slow.</summary>
public class InFlightRewardsFixture : RewardsFixture
{
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:GameLink:HeartbeatInterval"] = TimeSpan.FromMinutes(2).ToString(),
        ["GmTools:GameLink:AckTimeout"] = AckTimeout.ToString(),
        ["GmTools:GameLink:SweepInterval"] = TimeSpan.FromSeconds(5).ToString(),
    };
}

/// <summary>
/// Revoking a grant while its mail is on the way, with a simulated game server on a real GameLink stream that
/// applies each command id once and keeps what each player holds. Every case ends with the player holding exactly
/// what the grant's delivery states say.
/// </summary>
public sealed class RevokeInFlightTests(InFlightRewardsFixture fx) : IClassFixture<InFlightRewardsFixture>
{
    private static CreateGrantRequest Gold(string key, long gold, string player)
    {
        var r = new CreateGrantRequest { IdempotencyKey = key, Reason = "outage", MailTitle = "Sorry" };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = gold });
        r.PlayerIds.Add(player);
        return r;
    }

    private RewardService.RewardServiceClient Agent => fx.Rewards("in-flight-agent", Role.Agent);

    private RewardService.RewardServiceClient Supervisor => fx.Rewards("in-flight-sup", Role.Supervisor);

    private SimulatedGameServer Sim(string gs, SimulatorOptions options) => GameLink.GameLinkTestKit.Sim(fx.Server, gs, fx.Credential(gs), options);

    private static SimulatorOptions Options(bool withholdAcks = false, double failRate = 0) =>
        new() { HeartbeatInterval = TimeSpan.FromMinutes(10), WithholdAcks = withholdAcks, FailRate = failRate };

    [Fact]
    public async Task Revoked_before_it_was_sent_the_mail_is_cancelled_and_never_arrives()
    {
        var sim = Sim("s1", Options());
        var grant = (await Agent.CreateGrantAsync(Gold("k-before", 10, "p001"))).Grant;
        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "typo" })).Grant;
        Assert.Equal(DeliveryState.Cancelled, revoked.Recipients.Single().DeliveryState);
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p001");

        // A later grant on the same game server: once it arrives, everything before it has had its chance.
        await using var run = Start(sim);
        var later = (await Agent.CreateGrantAsync(Gold("k-before-later", 7, "p001"))).Grant;
        await DeliveredAsync(later.GrantId, DeliveryState.Delivered);
        Assert.False(sim.HasProcessed(mailId));
        Assert.Equal(new Dictionary<string, long> { ["gold"] = 7 }, sim.Holdings("p001"));
    }

    [Fact]
    public async Task Revoked_after_it_was_applied_and_acknowledged_the_mail_is_clawed_back()
    {
        var sim = Sim("s1", Options());
        await using var run = Start(sim);
        var grant = (await Agent.CreateGrantAsync(Gold("k-after-ack", 10, "p002"))).Grant;
        await DeliveredAsync(grant.GrantId, DeliveryState.Delivered);
        Assert.Equal(10, sim.Holdings("p002")["gold"]);

        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "duplicate" })).Grant;
        // The claw-back goes out on the open stream as the revoke commits; the answer may already see it applied.
        Assert.Contains(revoked.Recipients.Single().DeliveryState, new[] { DeliveryState.ClawBackPending, DeliveryState.ClawedBack });
        await DeliveredAsync(grant.GrantId, DeliveryState.ClawedBack);
        Assert.Empty(sim.Holdings("p002"));
    }

    [Fact]
    public async Task Revoked_after_it_was_sent_but_before_the_ack_the_late_applied_ack_queues_the_claw_back()
    {
        var options = Options(withholdAcks: true);
        var sim = Sim("s1", options);
        await using var run = Start(sim);
        var grant = (await Agent.CreateGrantAsync(Gold("k-in-flight", 10, "p003"))).Grant;
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p003");
        await EventuallyAsync(() => sim.HasProcessed(mailId), "the game server applied the mail");
        Assert.Equal(10, sim.Holdings("p003")["gold"]);

        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "wrong player" })).Grant;
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single().DeliveryState);
        Assert.Equal(0, await ClawBacksAsync(grant.GrantId, "p003"));

        // The ack arrives late: the server redelivers after the ack timeout, the game server (which applies each
        // id once) answers with its first answer, and that answer queues the claw-back.
        options.WithholdAcks = false;
        await DeliveredAsync(grant.GrantId, DeliveryState.ClawedBack, () => fx.Clock.Advance(TimeSpan.FromSeconds(5)));
        Assert.Empty(sim.Holdings("p003"));
        Assert.Equal(1, await ClawBacksAsync(grant.GrantId, "p003"));

        // The same ack again (a game server replaying its acks) changes nothing.
        var ack = new AckCommandsRequest { GameServerId = "s1" };
        ack.Acks.Add(new CommandAck { CommandId = mailId, Success = true });
        Assert.Equal(0, (await fx.GameLink("s1").AckCommandsAsync(ack)).Settled);
        Assert.Equal(1, await ClawBacksAsync(grant.GrantId, "p003"));
    }

    [Fact]
    public async Task An_ack_lost_with_the_stream_is_replayed_by_the_next_hello_and_queues_the_claw_back()
    {
        var options = Options(withholdAcks: true);
        var sim = Sim("s1", options);
        var grant = (await Agent.CreateGrantAsync(Gold("k-lost-ack", 10, "p004"))).Grant;
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p004");
        await using (Start(sim))
        {
            await EventuallyAsync(() => sim.HasProcessed(mailId), "the game server applied the mail");
        }
        // The stream is gone with the ack; the revoke can only wait for the game server's word.
        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "wrong player" })).Grant;
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single().DeliveryState);

        // Back with hello last_applied_command_id >= the mail: applied, so the claw-back goes out on the new stream.
        options.WithholdAcks = false;
        await using var again = Start(sim);
        await DeliveredAsync(grant.GrantId, DeliveryState.ClawedBack);
        Assert.Empty(sim.Holdings("p004"));
        Assert.Equal(1, await ClawBacksAsync(grant.GrantId, "p004"));
    }

    [Fact]
    public async Task Revoked_in_flight_and_answered_not_applied_the_mail_ends_cancelled_without_a_claw_back()
    {
        var options = Options(withholdAcks: true, failRate: 1);
        var sim = Sim("s2", options);
        await using var run = Start(sim);
        var grant = (await Agent.CreateGrantAsync(Gold("k-refused", 10, "p011"))).Grant;
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p011");
        await EventuallyAsync(() => sim.HasProcessed(mailId), "the game server processed the mail");
        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "not needed" })).Grant;
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single().DeliveryState);

        options.WithholdAcks = false;
        await DeliveredAsync(grant.GrantId, DeliveryState.Cancelled, () => fx.Clock.Advance(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, await ClawBacksAsync(grant.GrantId, "p011"));
        Assert.Empty(sim.Holdings("p011"));
    }

    private async Task DeliveredAsync(long grantId, DeliveryState state, Action? eachPoll = null) =>
        await PollAsync(async () => (await Agent.GetGrantAsync(new GetGrantRequest { GrantId = grantId })).Grant.Recipients.All(r => r.DeliveryState == state),
            $"grant {grantId} {state}", eachPoll: eachPoll);

    private Task<long> ClawBacksAsync(long grantId, string player) =>
        fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back' AND correlation_id = @c", ("c", $"grant:{grantId}:{player}:clawback"));
}
