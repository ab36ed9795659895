using System.Diagnostics;
using GmTools.Server.GameLink;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;

namespace GmTools.Server.Tests.GameLink;

/// <summary>The sweep is an hour and the clock never moves: only Redis pub/sub can carry a command to the other replica.</summary>
public sealed class TwoReplicaFixture : GameLinkFixture
{
    protected override TimeSpan SweepInterval => TimeSpan.FromHours(1);
}

public sealed class GameLinkReplicaTests(TwoReplicaFixture fx) : IClassFixture<TwoReplicaFixture>
{
    [Fact]
    public async Task A_command_enqueued_through_replica_a_reaches_a_game_server_connected_to_replica_b_promptly()
    {
        const string gs = "gl-cross";
        var a = fx.Server;
        var b = fx.AddReplica();
        var hubA = a.Services.GetRequiredService<GameLinkHub>();
        var hubB = b.Services.GetRequiredService<GameLinkHub>();
        await Task.WhenAll(hubA.Subscribed, hubB.Subscribed).WaitAsync(Patience);
        Assert.NotEqual(hubA.ReplicaId, hubB.ReplicaId);

        var sim = Sim(b, gs, await fx.GameServerCredentialAsync(gs));
        string? replica = null;
        sim.Welcomed += w => replica = w.ReplicaId;
        await using var run = Start(sim);
        await EventuallyAsync(() => replica is not null, "connected to B");
        Assert.Equal(hubB.ReplicaId, replica);

        for (var round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            var id = (await EnqueueAsync(a, gs, 1))[0];
            await EventuallyAsync(() => sim.HasProcessed(id), "the command reaches B's stream", within: TimeSpan.FromSeconds(5));
            // Pushed through Redis, not swept (the sweep's test clock does not move); speed is the benchmark's question.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalMilliseconds:0} ms");
        }
        await AllSettledAsync(a, gs, 5);
    }

    [Fact]
    public async Task A_newer_stream_on_another_replica_closes_the_older_one()
    {
        const string gs = "gl-cross-newest";
        var a = fx.Server;
        var b = fx.AddReplica();
        await Task.WhenAll(a.Services.GetRequiredService<GameLinkHub>().Subscribed, b.Services.GetRequiredService<GameLinkHub>().Subscribed).WaitAsync(Patience);
        var credential = await fx.GameServerCredentialAsync(gs);

        var older = Sim(a, gs, credential);
        var olderEnded = older.RunSessionAsync(CancellationToken.None);
        await EventuallyAsync(() => older.Welcomes == 1, "older session on A");
        await EnqueueAsync(a, gs, 1);
        await EventuallyAsync(() => older.Applied == 1, "A's stream delivers");

        var newer = Sim(b, gs, credential);
        await using var run = Start(newer);
        // No clock moves: the takeover message tells A to re-read its lease.
        var status = await olderEnded.WaitAsync(Patience);
        Assert.Equal(StatusCode.Aborted, status.StatusCode);

        await EnqueueAsync(a, gs, 1);
        await EventuallyAsync(() => newer.Applied == 1, "B's stream delivers");
    }
}
