using GmTools.Contracts.V1;
using GmTools.Simulator;
using Grpc.Core;
using Npgsql;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>The in-flight rewards set-up on a PostgreSQL cluster of its own, so a test can crash it.</summary>
public sealed class CrashingRewardsFixture : InFlightRewardsFixture
{
    protected override bool UsesPrivatePostgres => true;
}

/// <summary>
/// Revoking a grant when PostgreSQL crashes in the in-flight window. Acks commit with
/// <c>synchronous_commit = off</c>, so a crash may take back an "applied" that the game server already sent; the
/// ledger must still end saying what the player really holds, decided by the game server's own word (its replayed
/// ack or its hello's last applied id), never by a silent cancel.
/// </summary>
public sealed class RevokeAcrossPostgresCrashTests(CrashingRewardsFixture fx) : IClassFixture<CrashingRewardsFixture>
{
    private RewardService.RewardServiceClient Agent => fx.Rewards("crash-agent", Role.Agent);

    private RewardService.RewardServiceClient Supervisor => fx.Rewards("crash-sup", Role.Supervisor);

    private static CreateGrantRequest Gold(string key, long gold, string player)
    {
        var r = new CreateGrantRequest { IdempotencyKey = key, Reason = "outage", MailTitle = "Sorry" };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = gold });
        r.PlayerIds.Add(player);
        return r;
    }

    private SimulatedGameServer Sim(string gs, SimulatorOptions options) => GameLink.GameLinkTestKit.Sim(fx.Server, gs, fx.Credential(gs), options);

    [Fact]
    public async Task An_applied_ack_lost_in_a_crash_and_a_revoke_before_the_game_server_is_back_end_clawed_back()
    {
        var sim = Sim("s1", new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
        var grant = (await Agent.CreateGrantAsync(Gold("crash-applied", 10, "p005"))).Grant;
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p005");
        await using (Start(sim))
        {
            // Crash as soon as the game server has answered: its "applied" may or may not have reached the disk.
            await EventuallyAsync(() => sim.HasProcessed(mailId) && sim.AcksSent >= 1, "the game server applied and acknowledged the mail");
            await fx.Database.CrashAsync();
        }
        Assert.Equal(10, sim.Holdings("p005")["gold"]);
        await RestartAsync();

        // The game server is away; whatever state the crash left, the revoke must not cancel what was applied.
        var revoked = await WhenReachableAsync(() => Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "wrong player" }).ResponseAsync);
        Assert.NotEqual(DeliveryState.Cancelled, revoked.Grant.Recipients.Single().DeliveryState);

        // Back again: its hello says what it applied, and that decides.
        await using var again = Start(sim);
        await DeliveredAsync(grant.GrantId, DeliveryState.ClawedBack);
        Assert.Empty(sim.Holdings("p005"));
        Assert.Equal(1, await ClawBacksAsync(grant.GrantId, "p005"));
        Assert.Equal(0, sim.Duplicates);
    }

    [Fact]
    public async Task A_revoke_waiting_for_the_ack_survives_a_crash_and_the_late_ack_queues_the_claw_back()
    {
        var options = new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10), WithholdAcks = true };
        var sim = Sim("s2", options);
        await using var run = Start(sim);
        var grant = (await Agent.CreateGrantAsync(Gold("crash-pending", 10, "p015"))).Grant;
        var (mailId, _) = await fx.CommandAsync($"grant:{grant.GrantId}:p015");
        await EventuallyAsync(() => sim.HasProcessed(mailId), "the game server applied the mail");
        var revoked = (await Supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grant.GrantId, Reason = "duplicate" })).Grant;
        Assert.Equal(DeliveryState.RevokePending, revoked.Recipients.Single().DeliveryState);

        // The revoke committed durably (a staff mutation); the crash must not forget that it waits for an answer.
        await fx.Database.CrashAsync();
        await RestartAsync();
        var after = await WhenReachableAsync(() => Agent.GetGrantAsync(new GetGrantRequest { GrantId = grant.GrantId }).ResponseAsync);
        Assert.Equal(DeliveryState.RevokePending, after.Grant.Recipients.Single().DeliveryState);

        // The stream broke with the database; the game server reconnects and now answers.
        options.WithholdAcks = false;
        await DeliveredAsync(grant.GrantId, DeliveryState.ClawedBack, () => fx.Clock.Advance(TimeSpan.FromSeconds(5)));
        Assert.Empty(sim.Holdings("p015"));
        Assert.Equal(1, await ClawBacksAsync(grant.GrantId, "p015"));
    }

    /// <summary>Back up; the test's own pooled connections died with the crash, so they go (the server's pool heals itself).</summary>
    private async Task RestartAsync()
    {
        await fx.Database.StartAgainAsync();
        await using var probe = new NpgsqlConnection(fx.Postgres);
        NpgsqlConnection.ClearPool(probe);
    }

    /// <summary>The first call after a restart may meet a pooled connection the crash broke: UNAVAILABLE, retried.</summary>
    private static async Task<T> WhenReachableAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private async Task DeliveredAsync(long grantId, DeliveryState state, Action? eachPoll = null) =>
        await PollAsync(async () =>
        {
            try
            {
                return (await Agent.GetGrantAsync(new GetGrantRequest { GrantId = grantId })).Grant.Recipients.All(r => r.DeliveryState == state);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, $"grant {grantId} {state}", eachPoll: eachPoll);

    private Task<long> ClawBacksAsync(long grantId, string player) =>
        fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back' AND correlation_id = @c", ("c", $"grant:{grantId}:{player}:clawback"));
}
