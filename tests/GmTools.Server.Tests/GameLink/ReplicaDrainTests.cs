using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Shutdown;
using GmTools.Simulator;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GmTools.Server.Tests.GameLink;

/// <summary>
/// The first step of a replica's stop (<see cref="ReplicaDrain"/>, what the host runs on SIGTERM before the listener
/// closes), in process: the real multi-process run is EndToEnd/ReplicaProcessTests. The sweep is an hour and the
/// clock never moves, so what happens is the drain's doing, not a lease going stale.
/// </summary>
public sealed class ReplicaDrainTests(TwoReplicaFixture fx) : IClassFixture<TwoReplicaFixture>
{
    [Fact]
    public async Task A_draining_replica_says_not_serving_refuses_new_calls_and_sends_its_game_server_to_another_replica()
    {
        const string gs = "gl-drain";
        var a = fx.Server;
        var b = fx.AddReplica();
        var hubA = a.Services.GetRequiredService<GameLinkHub>();
        var hubB = b.Services.GetRequiredService<GameLinkHub>();
        await Task.WhenAll(hubA.Subscribed, hubB.Subscribed).WaitAsync(Patience);
        var credential = await fx.GameServerCredentialAsync(gs);

        // A game server that knows both replicas, B first.
        var sim = new SimulatedGameServer(gs, [Client(b, credential), Client(a, credential)], new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
        var welcomedBy = new List<string>();
        sim.Welcomed += w => { lock (welcomedBy) { welcomedBy.Add(w.ReplicaId); } };
        await using var run = Start(sim);
        await EventuallyAsync(() => sim.Welcomes == 1, "connected to B");
        await EnqueueAsync(a, gs, 3);
        await EventuallyAsync(() => sim.Applied == 3, "B's stream delivers");

        var health = new Health.HealthClient(b.Channel());
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        // A GM watching chat on B: a server stream of another kind, ended by the drain with UNAVAILABLE.
        using var watch = new ChatWatchService.ChatWatchServiceClient(b.Channel(fx.Token("gus.gm", Role.Gm))).WatchChat(new WatchChatRequest { GameServerId = gs });
        var watching = watch.ResponseStream.MoveNext(CancellationToken.None);

        await b.Services.GetRequiredService<ReplicaDrain>().DrainAsync().WaitAsync(Patience);

        // Returned only once the stream has ended and released its lease.
        Assert.Equal(0, hubB.StreamCount);
        Assert.Equal(1, sim.GoAways);
        Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var viewer = fx.Token("vic.viewer", Role.Viewer);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new GameLinkService.GameLinkServiceClient(b.Channel(viewer)).ListGameLinksAsync(new ListGameLinksRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => watching.WaitAsync(Patience))).StatusCode);

        // At once on A (no back-off after a go-away), and what is queued meanwhile arrives there, once.
        await EventuallyAsync(() => sim.Welcomes == 2, "reconnected to A", within: TimeSpan.FromSeconds(5));
        lock (welcomedBy)
        {
            Assert.Equal(new[] { hubB.ReplicaId, hubA.ReplicaId }, welcomedBy);
        }
        await EnqueueAsync(b, gs, 2); // B's desks still commit (a call that was in flight); its hint reaches A through Redis
        await EventuallyAsync(() => sim.Applied == 5, "the commands queued after the drain arrive on A");
        await AllSettledAsync(a, gs, 5);
        Assert.Equal(0, sim.Duplicates);
        var link = (await new GameLinkService.GameLinkServiceClient(a.Channel(viewer)).ListGameLinksAsync(new ListGameLinksRequest())).Links.Single(l => l.GameServerId == gs);
        Assert.Equal((GameLinkMode.Stream, hubA.ReplicaId), (link.Mode, link.ReplicaId));
    }

    [Fact]
    public async Task A_game_server_that_ignores_the_go_away_is_cut_at_the_drain_timeout_and_loses_nothing()
    {
        const string gs = "gl-drain-deaf";
        var a = fx.Server;
        var b = fx.AddReplica(new Dictionary<string, string?> { ["GmTools:Shutdown:DrainTimeout"] = "00:00:01" });
        await Task.WhenAll(a.Services.GetRequiredService<GameLinkHub>().Subscribed, b.Services.GetRequiredService<GameLinkHub>().Subscribed).WaitAsync(Patience);
        var credential = await fx.GameServerCredentialAsync(gs);

        // A raw stream that reads but never acknowledges, and stays after the go-away.
        using var call = Client(b, credential).Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new GameLinkHello { GameServerId = gs } });
        var frames = new List<ConnectResponse.MessageOneofCase>();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var m in call.ResponseStream.ReadAllAsync())
                {
                    lock (frames) { frames.Add(m.MessageCase); }
                }
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        });
        var sent = await EnqueueAsync(a, gs, 2);
        await EventuallyAsync(() => { lock (frames) { return frames.Count(f => f == ConnectResponse.MessageOneofCase.Command) == 2; } }, "both commands sent, never acknowledged");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await b.Services.GetRequiredService<ReplicaDrain>().DrainAsync().WaitAsync(Patience);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Equal(StatusCode.Unavailable, await reading.WaitAsync(Patience));
        lock (frames)
        {
            Assert.Equal(ConnectResponse.MessageOneofCase.GoAway, frames[^1]);
        }

        // Still pending, so a stream on A gets both.
        var sim = Sim(a, gs, credential);
        await using var run = Start(sim);
        await EventuallyAsync(() => sent.All(sim.HasProcessed), "the unacknowledged commands reach the game server on A");
        await AllSettledAsync(a, gs, 2);
    }

    private static GameLinkService.GameLinkServiceClient Client(Infrastructure.GmToolsFactory replica, string credential) => new(replica.Channel(credential));
}
