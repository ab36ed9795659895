using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Server.Sanctions;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>
/// CheckAccess from the in-process set of every sanction in force: answered without leaving the process, and a
/// lift on replica A is seen on replica B within a second — by pub/sub, and by the catch-up alone when B missed the
/// message because Redis was down.
/// </summary>
public sealed class ActiveSanctionSetTests(ActiveSanctionSetFixture fx) : IClassFixture<ActiveSanctionSetFixture>
{
    private static async Task<ActiveSanctionSet> ReadySetAsync(Infrastructure.GmToolsFactory replica)
    {
        var set = replica.Services.GetRequiredService<ActiveSanctionSet>();
        Assert.True(await EventuallyAsync(() => Task.FromResult(set.Ready), TimeSpan.FromSeconds(20)), "the set never loaded");
        return set;
    }

    [Fact]
    public async Task A_lift_on_replica_a_is_seen_on_replica_b_within_a_second_even_when_b_missed_the_message()
    {
        var replicaB = fx.AddReplica();
        var onB = await fx.GameServerAsync("as-1", replicaB);
        await fx.AddPlayerAsync("p-as-1", "as-1");
        var setB = await ReadySetAsync(replicaB);
        await ReadySetAsync(fx.Server);
        var check = new CheckAccessRequest { PlayerId = "p-as-1", GameServerId = "as-1" };
        Assert.True((await onB.CheckAccessAsync(check)).MayLogIn);

        // A ban on A: B holds it (message or catch-up) and answers from memory.
        var ban = await fx.Staff("gm-as").IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = "p-as-1", Kind = SanctionKind.Ban, Scope = OnServer("as-1"), End = For(TimeSpan.FromDays(7)), ReasonCode = "cheating", Reason = "aimbot",
        });
        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(check)).MayLogIn, TimeSpan.FromSeconds(1)), "B still lets the banned player in");
        Assert.Single(setB.For("p-as-1"));

        // Redis goes away: A's invalidation cannot be published, so B hears nothing; its catch-up still reads the lift.
        await fx.Redis.StopAsync();
        try
        {
            var catchUps = setB.CatchUps;
            await fx.Staff("gm-as-2").LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.Sanction.SanctionId, Reason = "wrong player" });
            var watch = Stopwatch.StartNew();
            Assert.True(await EventuallyAsync(async () => (await onB.CheckAccessAsync(check)).MayLogIn, TimeSpan.FromSeconds(5)), "B never saw the lift");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"B saw the lift after {watch.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(setB.CatchUps > catchUps);
            Assert.Empty(setB.For("p-as-1"));
        }
        finally
        {
            await fx.Redis.StartAgainAsync();
        }

        // Redis back: a new mute is seen again.
        await fx.Staff("gm-as-3").IssueSanctionAsync(Mute("p-as-1", "as-1", TimeSpan.FromHours(1)));
        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(check)).MayChat, TimeSpan.FromSeconds(1)), "B missed the mute after Redis came back");
    }

    [Fact]
    public async Task The_set_holds_exactly_the_sanctions_in_force_and_a_sanction_ends_on_the_clock()
    {
        var gs = await fx.GameServerAsync("as-2");
        await fx.AddPlayerAsync("p-as-2", "as-2");
        await fx.AddPlayerAsync("p-as-3", "as-2");
        var set = await ReadySetAsync(fx.Server);
        await fx.Staff("gm-as-4").IssueSanctionAsync(Mute("p-as-2", "as-2", TimeSpan.FromHours(1)));
        await fx.Staff("gm-as-4").IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = "p-as-3", Kind = SanctionKind.Kick, Scope = OnServer("as-2"), ReasonCode = "other", Reason = "afk",
        });
        // The writer's replica reloads right after its own commit: no wait.
        Assert.Single(set.For("p-as-2"));
        Assert.Empty(set.For("p-as-3")); // a kick is not a sanction in force
        Assert.False((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-as-2", GameServerId = "as-2" })).MayChat);

        // The end passes on the clock: the gate decides at read time, and a prune drops the entry.
        fx.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.True((await gs.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-as-2", GameServerId = "as-2" })).MayChat);
        Assert.True(await EventuallyAsync(() => Task.FromResult(set.PruneEnded() >= 0 && set.For("p-as-2").Length == 0), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_writing_replica_reloads_the_player_once_and_the_other_once_on_the_message()
    {
        var replicaB = fx.AddReplica();
        await fx.GameServerAsync("as-3", replicaB);
        await fx.AddPlayerAsync("p-as-4", "as-3");
        var setB = await ReadySetAsync(replicaB);
        await ReadySetAsync(fx.Server);
        var cacheA = fx.Server.Services.GetRequiredService<SanctionAccessCache>();
        var cacheB = replicaB.Services.GetRequiredService<SanctionAccessCache>();
        var (skippedA, reloadsA, reloadsB) = (cacheA.EchoesSkipped, cacheA.MessageReloads, cacheB.MessageReloads);

        await fx.Staff("gm-as-5").IssueSanctionAsync(Mute("p-as-4", "as-3", TimeSpan.FromHours(1)));

        // A reloaded after its commit and skips its own message when it comes back; B reloads on the message.
        Assert.True(await EventuallyAsync(() => Task.FromResult(cacheA.EchoesSkipped == skippedA + 1 && cacheB.MessageReloads == reloadsB + 1 && setB.For("p-as-4").Length == 1),
            TimeSpan.FromSeconds(20)), $"A skipped {cacheA.EchoesSkipped - skippedA}, B reloaded {cacheB.MessageReloads - reloadsB} on messages");
        Assert.Equal(reloadsA, cacheA.MessageReloads);
        Assert.Equal(0, cacheA.OwnEchoesExpected);
        Assert.Single(fx.Server.Services.GetRequiredService<ActiveSanctionSet>().For("p-as-4"));
    }
}
