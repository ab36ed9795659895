using System.Collections.Concurrent;
using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Simulator;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;

namespace GmTools.Server.Tests.GameLink;

/// <summary>
/// Commit order without a lock: many writers enqueue for one game server in overlapping transactions of different
/// lengths, some roll back, one stays open a long time, and the replica holding the stream restarts mid-run.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class OutboxOrderingTests(GameLinkFixture fx) : IClassFixture<GameLinkFixture>
{
    private const string Gs = "ord-many";
    private const string Other = "ord-other";

    /// <summary>One writer's transaction as the test saw it (Stopwatch timestamps).</summary>
    private sealed record Written(int Writer, long[] Ids, bool Committed, long FirstWriteAt, long CommitAskedAt, long CommittedAt);

    [Fact]
    public async Task Every_committed_command_arrives_once_in_an_order_that_never_goes_back_on_commit_order()
    {
        var credential = await fx.GameServerCredentialAsync(Gs);
        await using var stream = new RestartableReplica(fx);
        var receivedAt = new ConcurrentDictionary<long, long>();
        var sim = new SimulatedGameServer(Gs, new GameLinkService.GameLinkServiceClient(stream.Channel(credential)),
            new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
        sim.CommandReceived += (command, first) =>
        {
            if (first)
            {
                receivedAt.TryAdd(command.CommandId, Stopwatch.GetTimestamp());
            }
        };
        await using var run = Start(sim);
        await EventuallyAsync(() => sim.Welcomes == 1, "connected");

        var written = new ConcurrentBag<Written>();
        var random = new Random(20261202);
        var plans = Enumerable.Range(0, 8).Select(w => Enumerable.Range(0, 12).Select(_ => NextPlan(random)).ToArray()).ToArray();
        var restarted = new TaskCompletionSource();
        long duplicatesBeforeRestart = -1;

        // The long one starts writing early and commits after most of the others.
        var longOne = Task.Run(async () =>
        {
            // After some transaction has committed (not after a fixed delay: on a loaded machine none may have yet).
            while (!written.Any(t => t.Committed))
            {
                await Task.Delay(10);
            }
            written.Add(await WriteAsync(-1, new Plan(ExtraWriteFirst: true, Commands: 2, Pause: TimeSpan.FromMilliseconds(1500), RollBack: false)));
        });
        var writers = plans.Select((plan, w) => Task.Run(async () =>
        {
            foreach (var p in plan)
            {
                written.Add(await WriteAsync(w, p));
                if (w == 0 && written.Count > 40 && !restarted.Task.IsCompleted)
                {
                    // The replica holding the stream stops (a new one already up beside it) and drains; the game server reconnects.
                    duplicatesBeforeRestart = sim.Duplicates;
                    await stream.RestartAsync();
                    restarted.TrySetResult();
                }
            }
        })).ToList();
        await Task.WhenAll(writers.Append(longOne));
        Assert.True(restarted.Task.IsCompleted, "the stream's replica restarted during the run");

        var all = written.ToList();
        var committed = all.Where(t => t.Committed).ToList();
        var committedIds = committed.SelectMany(t => t.Ids).ToHashSet();
        await PollAsync(() => Task.FromResult(committedIds.All(sim.HasProcessed)), $"{committedIds.Count} committed commands applied", TimeSpan.FromSeconds(40));

        var order = sim.AppliedOrder();
        // Each committed command exactly once, nothing of a rolled-back transaction.
        Assert.Equal(committedIds.Order(), order.Order());
        var rolledBack = all.Where(t => !t.Committed).SelectMany(t => t.Ids).ToList();
        Assert.NotEmpty(rolledBack);
        Assert.DoesNotContain(rolledBack, sim.HasProcessed);
        // In increasing id order (the protocol), which is an order that never goes back on commit order: whatever
        // committed before another transaction started writing comes before everything of that transaction.
        Assert.True(order.Zip(order.Skip(1)).All(p => p.First < p.Second), "applied in increasing id order");
        var position = order.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var pairs = 0;
        foreach (var a in committed)
        {
            foreach (var b in committed.Where(b => a.CommittedAt < b.FirstWriteAt))
            {
                pairs++;
                Assert.True(a.Ids.Max(id => position[id]) < b.Ids.Min(id => position[id]),
                    $"writer {a.Writer}'s transaction committed before writer {b.Writer}'s started writing, but was applied after it");
            }
        }
        Assert.True(pairs > 100, $"the run exercised {pairs} ordered pairs");
        Assert.Equal(0, duplicatesBeforeRestart);

        // While the long transaction was open: what committed before it started writing got through, and nothing
        // that could sort after it overtook it.
        var longTx = all.Single(t => t.Writer == -1);
        var earlier = committed.Where(t => t.CommittedAt < longTx.FirstWriteAt).SelectMany(t => t.Ids).ToList();
        Assert.NotEmpty(earlier);
        Assert.All(earlier, id => Assert.True(receivedAt[id] < longTx.CommitAskedAt, $"command {id} waited for the long transaction"));
        var later = committedIds.Where(id => id > longTx.Ids.Max()).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, id => Assert.True(receivedAt[id] > longTx.CommitAskedAt, $"command {id} overtook the open long transaction"));
    }

    private sealed record Plan(bool ExtraWriteFirst, int Commands, TimeSpan Pause, bool RollBack);

    private static Plan NextPlan(Random random) => new(
        ExtraWriteFirst: random.Next(2) == 0,
        Commands: random.Next(1, 4),
        Pause: TimeSpan.FromMilliseconds(random.Next(0, 40)),
        RollBack: random.Next(5) == 0);

    /// <summary>
    /// One transaction: maybe a first write elsewhere (so it holds a transaction id before its commands, as a
    /// capability's own rows do), a pause, its commands, another pause, then commit or roll back.
    /// </summary>
    private async Task<Written> WriteAsync(int writer, Plan plan)
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<CommandOutbox>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var firstWrite = Stopwatch.GetTimestamp();
        if (plan.ExtraWriteFirst)
        {
            outbox.Enqueue(db, Other, Kick($"w{writer}"));
            await db.SaveChangesAsync();
            await Task.Delay(plan.Pause);
        }
        var rows = Enumerable.Range(0, plan.Commands).Select(i => outbox.Enqueue(db, Gs, Kick($"w{writer}-{i}"))).ToList();
        await db.SaveChangesAsync();
        await Task.Delay(plan.Pause);
        var asked = Stopwatch.GetTimestamp();
        if (plan.RollBack)
        {
            await tx.RollbackAsync();
        }
        else
        {
            await tx.CommitAsync();
        }
        return new Written(writer, rows.Select(r => r.CommandId).ToArray(), !plan.RollBack, firstWrite, asked, Stopwatch.GetTimestamp());
    }

    /// <summary>A replica of the fixture's database that can be killed and replaced; channels follow the current one.</summary>
    private sealed class RestartableReplica(ServerFixture fixture) : IAsyncDisposable
    {
        private GmToolsFactory _current = fixture.AddReplica();
        private HttpMessageInvoker? _invoker;

        public GrpcChannel Channel(string authorization) => GrpcChannel.ForAddress(_current.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new Forwarder(this, authorization),
            DisposeHttpClient = true,
        });

        /// <summary>A rolling restart: the new replica is up before the old one stops (and drains its stream to it).</summary>
        public async Task RestartAsync()
        {
            var old = _current;
            _current = fixture.AddReplica();
            _ = _current.Server;
            _invoker = null;
            await old.DisposeAsync();
        }

        public async ValueTask DisposeAsync() => await _current.DisposeAsync();

        private HttpMessageInvoker Invoker() => _invoker ??= new HttpMessageInvoker(_current.Server.CreateHandler(), disposeHandler: false);

        private sealed class Forwarder(RestartableReplica replica, string authorization) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                request.Headers.TryAddWithoutValidation("authorization", authorization);
                return replica.Invoker().SendAsync(request, cancellationToken);
            }
        }
    }
}
