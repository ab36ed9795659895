using GmTools.Server.GameLink;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Simulator;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;

namespace GmTools.Server.Tests.GameLink;

/// <summary>No scheduler, so every query the replica makes is GameLink's (or the audit chainer's).</summary>
public sealed class IdleStreamsFixture : GameLinkFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["GmTools:Quartz:Enabled"] = "false" };
}

[Collection(RunsAlone.Name)]
public sealed class IdleStreamTests(IdleStreamsFixture fx, Xunit.Abstractions.ITestOutputHelper output) : ServerTest<IdleStreamsFixture>(fx, output), IClassFixture<IdleStreamsFixture>
{
    [Fact]
    public async Task A_replica_holding_many_idle_streams_makes_a_bounded_number_of_queries_per_interval_whatever_their_number()
    {
        const int streams = 200;
        var hub = Fx.Server.Services.GetRequiredService<GameLinkHub>();
        var sims = new List<SimulatedGameServer>();
        for (var i = 0; i < streams; i++)
        {
            var gs = $"idle-{i:D3}";
            sims.Add(Sim(Fx.Server, gs, await Fx.GameServerCredentialAsync(gs), new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(30) }));
        }
        var runs = sims.Select(Start).ToList();
        try
        {
            await EventuallyAsync(() => hub.StreamCount == streams && sims.All(s => s.Welcomes == 1), $"{streams} streams open", TimeSpan.FromSeconds(60));
            // Let the streams' first reads (what waited while they were away) finish before counting.
            await Task.Delay(500);

            using var counter = new DatabaseCommandCounter(Fx.Postgres);
            const int intervals = 13; // 65 s of business time: 13 sweeps and a heartbeat tick
            for (var i = 0; i < intervals; i++)
            {
                var before = hub.Sweeps;
                Fx.Clock.Advance(GameLinkFixture.Sweep);
                await EventuallyAsync(() => hub.Sweeps > before, "the sweep ran");
            }
            await Task.Delay(200);
            var perInterval = (double)counter.Statements / intervals;
            Output.WriteLine($"{counter.Statements} statements in {counter.RoundTrips} round trips over {intervals} intervals for {streams} streams: {string.Join(" | ", counter.Texts().Distinct())}");
            Assert.True(perInterval <= 4, $"{counter.Statements} statements in {intervals} intervals for {streams} streams: " + string.Join(" | ", counter.Texts().Distinct()));
            Assert.True(sims.All(s => s.Sessions == 1), "every stream stayed up");

            // Idle is not asleep: a command for one of them still goes out at once, with the reads of that one stream.
            counter.Reset();
            var id = (await EnqueueAsync(Fx.Server, "idle-042", 1))[0];
            await EventuallyAsync(() => sims[42].HasProcessed(id), "the command reaches its stream");
            await AllSettledAsync(Fx.Server, "idle-042", 1);
        }
        finally
        {
            foreach (var run in runs)
            {
                await run.DisposeAsync();
            }
        }
    }
}
