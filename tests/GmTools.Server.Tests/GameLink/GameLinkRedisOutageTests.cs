using System.Diagnostics;
using GmTools.Server.GameLink;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;

namespace GmTools.Server.Tests.GameLink;

/// <summary>Replicas on a redis-server of this class's own, which the test stops and starts.</summary>
public sealed class GameLinkPrivateRedisFixture : GameLinkFixture
{
    protected override bool UsesPrivateRedis => true;
}

[Collection(RunsAlone.Name)]
public sealed class GameLinkRedisOutageTests(GameLinkPrivateRedisFixture fx) : IClassFixture<GameLinkPrivateRedisFixture>
{
    [Fact]
    public async Task With_redis_down_commands_still_arrive_through_the_sweep_and_push_resumes_when_it_returns()
    {
        const string gs = "gl-redis-down";
        var a = fx.Server;
        var b = fx.AddReplica();
        await Task.WhenAll(a.Services.GetRequiredService<GameLinkHub>().Subscribed, b.Services.GetRequiredService<GameLinkHub>().Subscribed).WaitAsync(Patience);
        var sim = Sim(b, gs, await fx.GameServerCredentialAsync(gs));
        await using var run = Start(sim);
        await EventuallyAsync(() => sim.Welcomes == 1, "connected to B");

        var before = await EnqueueAsync(a, gs, 1);
        await EventuallyAsync(() => sim.HasProcessed(before[0]), "pushed while Redis is up", within: TimeSpan.FromSeconds(5));

        await fx.Redis.StopAsync();
        var during = await EnqueueAsync(a, gs, 5);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(during.Any(sim.HasProcessed), "nothing can push while Redis is down");
        await EventuallyAsync(() => during.All(sim.HasProcessed), "the sweep delivers what was enqueued while Redis was down",
            eachPoll: () => fx.Clock.Advance(GameLinkFixture.Sweep));

        await fx.Redis.StartAgainAsync();
        // The multiplexers reconnect and resubscribe on their own (real time); wait until a push gets through
        // without the clock moving, then check that the next one is immediate too.
        var afterIds = new List<long>();
        await PollAsync(async () =>
        {
            var id = (await EnqueueAsync(a, gs, 1))[0];
            afterIds.Add(id);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(1))
            {
                if (sim.HasProcessed(id))
                {
                    return true;
                }
                await Task.Delay(20);
            }
            return false;
        }, "push works again after Redis returned", within: TimeSpan.FromSeconds(40));
        var next = await EnqueueAsync(a, gs, 1);
        await EventuallyAsync(() => sim.HasProcessed(next[0]), "pushed promptly", within: TimeSpan.FromSeconds(2));

        var total = 1 + 5 + afterIds.Count + 1;
        // Anything enqueued before the resubscription that push missed is picked up with the later pushes.
        await EventuallyAsync(() => sim.Applied == total, "nothing lost", eachPoll: () => fx.Clock.Advance(GameLinkFixture.Sweep));
        await AllSettledAsync(a, gs, total);
        Assert.Equal(sim.AppliedOrder().Order(), sim.AppliedOrder());
    }
}
