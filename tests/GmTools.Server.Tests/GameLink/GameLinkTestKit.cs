using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Simulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GmTools.Server.Tests.GameLink;

/// <summary>Short GameLink intervals on the fake clock; heartbeats long so real-time tests are not disturbed by them.</summary>
public class GameLinkFixture : ServerFixture
{
    public static readonly TimeSpan Sweep = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(1);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:GameLink:HeartbeatInterval"] = Heartbeat.ToString(),
        ["GmTools:GameLink:AckTimeout"] = AckTimeout.ToString(),
        ["GmTools:GameLink:SweepInterval"] = SweepInterval.ToString(),
        ["GmTools:GameLink:MaxBatch"] = "50",
        ["GmTools:GameLink:MaxInFlight"] = "100",
    };

    protected virtual TimeSpan SweepInterval => Sweep;
}

internal static class GameLinkTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static SimulatedGameServer Sim(GmToolsFactory replica, string gameServerId, string credential, SimulatorOptions? options = null) =>
        new(gameServerId, new GameLinkService.GameLinkServiceClient(replica.Channel(credential)), options ?? new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });

    public static GameCommand Kick(string player) => new() { Kick = new KickPlayer { PlayerId = player, Reason = "test" } };

    /// <summary>Enqueues in one transaction through the given replica, as a capability would.</summary>
    public static async Task<long[]> EnqueueAsync(GmToolsFactory replica, string gameServerId, int count, DateTimeOffset? expiresAt = null, bool explicitTransaction = true)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<CommandOutbox>();
        var rows = new List<OutboxCommand>();
        if (explicitTransaction)
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            for (var i = 0; i < count; i++)
            {
                rows.Add(outbox.Enqueue(db, gameServerId, Kick($"p{i}"), $"test:{i}", expiresAt));
            }
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                rows.Add(outbox.Enqueue(db, gameServerId, Kick($"p{i}"), $"test:{i}", expiresAt));
            }
            await db.SaveChangesAsync();
        }
        return rows.Select(r => r.CommandId).ToArray();
    }

    public static async Task<List<OutboxCommand>> RowsAsync(GmToolsFactory replica, string gameServerId)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        return await db.Set<OutboxCommand>().AsNoTracking().Where(c => c.GameServerId == gameServerId).OrderBy(c => c.CommandId).ToListAsync();
    }

    /// <summary>Polls a real condition (network, other tasks) with a bounded wait; <paramref name="eachPoll"/> may move the clock.</summary>
    public static async Task PollAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Action? eachPoll = null)
    {
        var limit = within ?? Patience;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what}");
            }
            eachPoll?.Invoke();
            await Task.Delay(20);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? within = null, Action? eachPoll = null) =>
        PollAsync(() => Task.FromResult(condition()), what, within, eachPoll);

    public static Task AllSettledAsync(GmToolsFactory replica, string gameServerId, int count, string outcome = OutboxStore.Applied) =>
        PollAsync(async () =>
        {
            var rows = await RowsAsync(replica, gameServerId);
            return rows.Count == count && rows.All(r => r.Outcome == outcome);
        }, $"{count} commands of {gameServerId} settled as {outcome}");

    /// <summary>A running simulator session that is stopped (client-side cancel) when disposed.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public Running(Func<CancellationToken, Task> run) => Task = run(_stop.Token);

        public Task Task { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
    }

    public static Running Start(SimulatedGameServer sim) => new(sim.RunAsync);
}
