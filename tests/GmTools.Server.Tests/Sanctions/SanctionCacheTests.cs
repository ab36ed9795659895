using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Sanctions;

public sealed class SanctionReplicaTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    [Fact]
    public async Task A_lift_on_replica_a_is_seen_by_replica_b_within_a_second()
    {
        var replicaB = fx.AddReplica();
        var onB = await fx.GameServerAsync("rp-1", replicaB);
        await fx.AddPlayerAsync("p-rep", "rp-1");
        var issued = await fx.Staff("gm-rep").IssueSanctionAsync(Mute("p-rep", "rp-1", TimeSpan.FromDays(1)));
        var check = new CheckAccessRequest { PlayerId = "p-rep", GameServerId = "rp-1" };

        // B holds every sanction in force in process, kept current by A's message (or the catch-up within 250 ms):
        // the mute is seen within a second, the same bound as the lift below; then B answers "muted" from memory.
        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(check)).MayChat, TimeSpan.FromSeconds(1)),
            "replica B did not see the mute made on replica A within a second");
        Assert.False((await onB.CheckAccessAsync(check)).MayChat);

        await fx.Staff("gm-rep-2").LiftSanctionAsync(new LiftSanctionRequest { SanctionId = issued.Sanction.SanctionId, Reason = "served enough" });
        var watch = Stopwatch.StartNew();
        Assert.True(await EventuallyAsync(async () => (await onB.CheckAccessAsync(check)).MayChat, TimeSpan.FromSeconds(2)),
            "replica B still says muted after the lift on replica A");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task A_mute_on_replica_a_is_seen_by_replica_b_even_when_b_had_cached_allowed()
    {
        var replicaB = fx.AddReplica();
        var onB = await fx.GameServerAsync("rp-2", replicaB);
        await fx.AddPlayerAsync("p-rep-2", "rp-2");
        var check = new CheckAccessRequest { PlayerId = "p-rep-2", GameServerId = "rp-2" };
        Assert.True((await onB.CheckAccessAsync(check)).MayChat);

        await fx.Staff("gm-rep-3").IssueSanctionAsync(Mute("p-rep-2", "rp-2", TimeSpan.FromDays(1)));

        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(check)).MayChat, TimeSpan.FromSeconds(2)));
    }
}

[Collection(RunsAlone.Name)]
public sealed class SanctionRedisFaultTests(SanctionsRedisFaultFixture fx) : IClassFixture<SanctionsRedisFaultFixture>
{
    [Fact]
    public async Task CheckAccess_answers_from_postgres_when_redis_is_flushed_and_when_it_is_stopped()
    {
        var gs = await fx.GameServerAsync("rf-1");
        await fx.AddPlayerAsync("p-rf-1", "rf-1");
        await fx.AddPlayerAsync("p-rf-2", "rf-1");
        var gm = fx.Staff("gm-rf");
        var muted = await gm.IssueSanctionAsync(Mute("p-rf-1", "rf-1", TimeSpan.FromDays(1)));
        CheckAccessRequest Check(string p) => new() { PlayerId = p, GameServerId = "rf-1" };
        Assert.False((await gs.CheckAccessAsync(Check("p-rf-1"))).MayChat);
        Assert.True((await gs.CheckAccessAsync(Check("p-rf-2"))).MayChat);

        // Flushed: the cached lists are gone; the in-process entries age out; PostgreSQL still knows.
        await fx.Redis.FlushAsync();
        fx.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await gs.CheckAccessAsync(Check("p-rf-1"))).MayChat);
        Assert.True((await gs.CheckAccessAsync(Check("p-rf-2"))).MayChat);

        // Stopped: answers still right, and fast (no multi-second Redis timeouts per call).
        await fx.Redis.StopAsync();
        fx.Clock.Advance(TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();
        Assert.False((await gs.CheckAccessAsync(Check("p-rf-1"))).MayChat);
        Assert.True((await gs.CheckAccessAsync(Check("p-rf-2"))).MayChat);

        // Changes made while Redis is down are answered correctly too.
        await gm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = muted.Sanction.SanctionId, Reason = "appeal by phone" });
        await fx.Staff("gm-rf-2").IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = "p-rf-2", Kind = SanctionKind.Ban, Scope = OnServer("rf-1"), End = For(TimeSpan.FromDays(7)), ReasonCode = "cheating", Reason = "wallhack",
        });
        Assert.True((await gs.CheckAccessAsync(Check("p-rf-1"))).MayChat);
        Assert.False((await gs.CheckAccessAsync(Check("p-rf-2"))).MayLogIn);
        for (var i = 0; i < 20; i++)
        {
            await gs.CheckAccessAsync(Check("p-rf-1"));
        }
        // 24 calls: with a Redis timeout on each they would take close to a minute.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"calls with Redis down took {watch.Elapsed}");

        // Restarted (empty): the replica reconnects, answers stay right, and Redis is filled again.
        await fx.Redis.StartAgainAsync();
        await using var probe = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fx.Redis.ConnectionString);
        var key = $"{fx.RedisPrefix}sanctions:{{p-rf-2}}:active";
        Assert.True(await EventuallyAsync(async () =>
        {
            fx.Clock.Advance(TimeSpan.FromSeconds(6)); // past the local TTL and the Redis back-off
            Assert.False((await gs.CheckAccessAsync(Check("p-rf-2"))).MayLogIn);
            Assert.True((await gs.CheckAccessAsync(Check("p-rf-1"))).MayChat);
            return await probe.GetDatabase().KeyExistsAsync(key);
        }, TimeSpan.FromSeconds(10)), "the sanction cache never used the restarted Redis again");
    }
}
