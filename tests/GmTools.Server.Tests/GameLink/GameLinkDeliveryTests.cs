using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using GmTools.Simulator;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.GameLink;

public sealed class GameLinkDeliveryTests(GameLinkFixture fx) : IClassFixture<GameLinkFixture>
{
    [Fact]
    public async Task Commands_enqueued_in_many_transactions_arrive_in_id_order_and_all_end_applied()
    {
        const string gs = "gl-order";
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs));
        var connected = new TaskCompletionSource();
        sim.Welcomed += _ => connected.TrySetResult();
        await using var run = Start(sim);
        await connected.Task.WaitAsync(Patience);

        var ids = new List<long>();
        for (var t = 0; t < 8; t++)
        {
            // Half the batches without an explicit transaction: the interceptor opens one for them.
            ids.AddRange(await EnqueueAsync(fx.Server, gs, 25, explicitTransaction: t % 2 == 0));
        }

        // No clock moves: only the commit notification can explain delivery.
        await EventuallyAsync(() => sim.Applied == 200, "200 commands applied");
        Assert.Equal(ids.Order(), sim.AppliedOrder());
        Assert.Equal(0, sim.Duplicates);
        await AllSettledAsync(fx.Server, gs, 200);
        Assert.All(await RowsAsync(fx.Server, gs), r => Assert.Equal(1, r.Attempts));
    }

    [Fact]
    public async Task A_transaction_enqueuing_while_an_older_one_is_open_does_not_wait_but_its_command_is_held_back_until_the_older_one_ends()
    {
        const string gs = "gl-commit-order";
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(await fx.GameServerCredentialAsync(gs)));
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var first = scope.ServiceProvider.GetRequiredService<CommandOutbox>().Enqueue(db, gs, Kick("early"));
        await db.SaveChangesAsync();

        // No lock: the later transaction commits while the older one is still open.
        var later = await EnqueueAsync(fx.Server, gs, 1).WaitAsync(Patience);
        Assert.True(later[0] > first.CommandId, "ids follow the order in which transactions started writing");
        // The later command is committed, but a game server must not see it yet: if it applied it and said so in
        // last_applied_command_id, the older command (a smaller id, committed later) would count as applied.
        Assert.Empty((await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs })).Commands);

        await tx.CommitAsync();
        var pulled = await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs });
        Assert.Equal([first.CommandId, later[0]], pulled.Commands.Select(c => c.CommandId));
    }

    [Fact]
    public async Task A_stream_held_back_by_an_open_transaction_delivers_both_in_id_order_once_it_commits()
    {
        const string gs = "gl-held-back";
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs));
        await using var run = Start(sim);
        await EventuallyAsync(() => sim.Welcomes == 1, "connected");

        var before = await EnqueueAsync(fx.Server, gs, 1);
        await EventuallyAsync(() => sim.Applied == 1, "a command of an earlier, finished transaction is delivered at once");

        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var open = scope.ServiceProvider.GetRequiredService<CommandOutbox>().Enqueue(db, gs, Kick("open"));
        await db.SaveChangesAsync();
        var after = await EnqueueAsync(fx.Server, gs, 2);
        await tx.CommitAsync();

        await EventuallyAsync(() => sim.Applied == 4, "all four applied");
        Assert.Equal([before[0], open.CommandId, after[0], after[1]], sim.AppliedOrder());
        Assert.Equal(0, sim.Duplicates);
    }

    [Fact]
    public async Task Synchronous_save_changes_enqueues_too()
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var row = scope.ServiceProvider.GetRequiredService<CommandOutbox>().Enqueue(db, "gl-sync", Kick("s"));
        db.SaveChanges();
        Assert.True(row.CommandId > 0);
        Assert.Null(db.Database.CurrentTransaction);
        Assert.Single(await RowsAsync(fx.Server, "gl-sync"));
    }

    [Fact]
    public async Task A_command_not_acknowledged_before_a_disconnect_comes_again_after_reconnect_and_is_applied_once()
    {
        const string gs = "gl-redeliver";
        var options = new SimulatorOptions { WithholdAcks = true, ReportLastApplied = false, HeartbeatInterval = TimeSpan.FromMinutes(10) };
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs), options);
        long id;
        await using (var first = new Running(sim.RunSessionAsync))
        {
            await EventuallyAsync(() => sim.Welcomes == 1, "first session started");
            id = (await EnqueueAsync(fx.Server, gs, 1))[0];
            await EventuallyAsync(() => sim.HasProcessed(id), "command received on the first stream");
        }
        Assert.Null((await RowsAsync(fx.Server, gs)).Single().Outcome);

        options.WithholdAcks = false;
        await using (Start(sim))
        {
            await AllSettledAsync(fx.Server, gs, 1);
        }
        Assert.Equal(1, sim.Applied);
        Assert.Equal(1, sim.Duplicates);
        Assert.Equal([id], sim.AppliedOrder());
        // The first stream records its unacknowledged send as it closes, the second with the ack.
        await PollAsync(async () => (await RowsAsync(fx.Server, gs)).Single().Attempts == 2, "two attempts recorded");
    }

    [Fact]
    public async Task The_hellos_last_applied_id_settles_what_the_game_server_already_applied_without_sending_it_again()
    {
        const string gs = "gl-hello-mark";
        var options = new SimulatorOptions { WithholdAcks = true, ReportLastApplied = true, HeartbeatInterval = TimeSpan.FromMinutes(10) };
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs), options);
        await using (new Running(sim.RunSessionAsync))
        {
            await EventuallyAsync(() => sim.Welcomes == 1, "first session started");
            var ids = await EnqueueAsync(fx.Server, gs, 3);
            await EventuallyAsync(() => sim.Applied == 3, "three commands applied, not acknowledged");
        }
        var later = await EnqueueAsync(fx.Server, gs, 1);
        options.WithholdAcks = false;
        await using (Start(sim))
        {
            await AllSettledAsync(fx.Server, gs, 4);
        }
        Assert.Equal(0, sim.Duplicates);
        Assert.Equal(4, sim.Applied);
        Assert.Equal(later[0], sim.AppliedOrder()[^1]);
    }

    [Fact]
    public async Task An_unacknowledged_command_is_sent_again_on_the_same_stream_after_the_ack_timeout()
    {
        const string gs = "gl-acktimeout";
        var options = new SimulatorOptions { WithholdAcks = true, HeartbeatInterval = TimeSpan.FromMinutes(10) };
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs), options);
        await using var run = new Running(sim.RunSessionAsync);
        await EventuallyAsync(() => sim.Welcomes == 1, "session started");
        await EnqueueAsync(fx.Server, gs, 2);
        await EventuallyAsync(() => sim.Received == 2, "both commands received");

        await EventuallyAsync(() => sim.Received >= 4, "both commands sent again",
            eachPoll: () => fx.Clock.Advance(GameLinkFixture.Sweep));
        Assert.Equal(2, sim.Applied);
        Assert.Equal(2, sim.Duplicates);
    }

    [Fact]
    public async Task Acks_sent_just_before_the_game_server_closes_its_side_are_recorded_before_the_stream_ends()
    {
        const string gs = "gl-graceful";
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(await fx.GameServerCredentialAsync(gs)));
        var id = (await EnqueueAsync(fx.Server, gs, 1))[0];
        using var call = client.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new GameLinkHello { GameServerId = gs } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ConnectResponse.MessageOneofCase.Welcome, call.ResponseStream.Current.MessageCase);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(id, call.ResponseStream.Current.Command.CommandId);

        await call.RequestStream.WriteAsync(new ConnectRequest { Acks = new CommandAcks { Acks = { new CommandAck { CommandId = id, Success = true } } } });
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        var row = (await RowsAsync(fx.Server, gs)).Single();
        Assert.Equal((OutboxStore.Applied, 1), (row.Outcome, row.Attempts));
    }

    [Fact]
    public async Task A_command_whose_body_does_not_parse_is_failed_and_does_not_block_the_queue()
    {
        const string gs = "gl-poison";
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
            db.Add(new OutboxCommand { GameServerId = gs, Kind = "kick", Body = [0x52, 0x09, 0x0a], CreatedAt = fx.Clock.GetUtcNow() });
            await db.SaveChangesAsync();
        }
        var good = await EnqueueAsync(fx.Server, gs, 1);
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs));
        await using (Start(sim))
        {
            await EventuallyAsync(() => sim.Applied == 1, "the good command gets through");
        }
        Assert.Equal(good, sim.AppliedOrder());
        var poison = (await RowsAsync(fx.Server, gs)).First();
        Assert.Equal((OutboxStore.Failed, "undecodable command body"), (poison.Outcome, poison.FailureReason));
    }

    [Fact]
    public async Task Expired_commands_are_not_delivered_and_are_marked_expired()
    {
        const string gs = "gl-expired";
        var now = fx.Clock.GetUtcNow();
        var stale = await EnqueueAsync(fx.Server, gs, 2, expiresAt: now + TimeSpan.FromMinutes(1));
        var fresh = await EnqueueAsync(fx.Server, gs, 1, expiresAt: now + TimeSpan.FromDays(1));
        fx.Clock.Advance(TimeSpan.FromMinutes(2));
        var forever = await EnqueueAsync(fx.Server, gs, 1);

        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs));
        await using (Start(sim))
        {
            await EventuallyAsync(() => sim.Applied == 2, "the two live commands applied");
            await PollAsync(async () => (await RowsAsync(fx.Server, gs)).All(r => r.Outcome is not null), "all rows settled");
        }
        Assert.Equal([fresh[0], forever[0]], sim.AppliedOrder());
        var rows = await RowsAsync(fx.Server, gs);
        Assert.All(rows.Where(r => stale.Contains(r.CommandId)), r =>
        {
            Assert.Equal(OutboxStore.Expired, r.Outcome);
            Assert.Equal(0, r.Attempts);
        });
    }

    [Fact]
    public async Task A_second_stream_for_the_same_game_server_wins_and_the_older_one_is_closed_as_aborted()
    {
        const string gs = "gl-newest";
        var credential = await fx.GameServerCredentialAsync(gs);
        var older = Sim(fx.Server, gs, credential);
        var olderEnded = older.RunSessionAsync(CancellationToken.None);
        await EventuallyAsync(() => older.Welcomes == 1, "older session started");
        await EnqueueAsync(fx.Server, gs, 1);
        await EventuallyAsync(() => older.Applied == 1, "older stream delivers");

        var newer = Sim(fx.Server, gs, credential);
        await using var run = Start(newer);
        var status = await olderEnded.WaitAsync(Patience);
        Assert.Equal(StatusCode.Aborted, status.StatusCode);

        await EnqueueAsync(fx.Server, gs, 1);
        await EventuallyAsync(() => newer.Applied == 1, "the newer stream delivers");
    }

    [Fact]
    public async Task A_silent_game_server_is_disconnected_after_the_missed_heartbeats()
    {
        const string gs = "gl-silent";
        var sim = Sim(fx.Server, gs, await fx.GameServerCredentialAsync(gs));
        var ended = sim.RunSessionAsync(CancellationToken.None);
        await EventuallyAsync(() => sim.Welcomes == 1, "session started");
        await Task.Delay(100);

        Status status = default;
        await EventuallyAsync(() =>
        {
            if (!ended.IsCompleted)
            {
                return false;
            }
            status = ended.Result;
            return true;
        }, "the server closes the silent stream", eachPoll: () => fx.Clock.Advance(GameLinkFixture.Heartbeat));
        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
    }

    [Fact]
    public async Task Pulling_game_servers_get_commands_in_order_and_unacknowledged_ones_again_after_the_ack_timeout()
    {
        const string gs = "gl-pull";
        var credential = await fx.GameServerCredentialAsync(gs);
        var ids = await EnqueueAsync(fx.Server, gs, 5);
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(credential));

        // A pull hands out only commands below every older transaction of this database still open (the write
        // order's horizon; a replica's background job may hold one a moment): an empty answer first is allowed.
        var first = await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs, MaxCommands = 3 });
        for (var deadline = DateTime.UtcNow.AddSeconds(10); first.Commands.Count == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(50);
            first = await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs, MaxCommands = 3 });
        }
        Assert.Equal(ids[..3], first.Commands.Select(c => c.CommandId));
        var second = await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs, MaxCommands = 10 });
        Assert.Equal(ids[3..], second.Commands.Select(c => c.CommandId));
        Assert.Empty((await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs })).Commands);

        var acked = await client.AckCommandsAsync(new AckCommandsRequest
        {
            GameServerId = gs,
            Acks = { ids[..4].Select(id => new CommandAck { CommandId = id, Success = true }) },
        });
        Assert.Equal(4, acked.Settled);
        fx.Clock.Advance(GameLinkFixture.AckTimeout);
        var again = await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs });
        Assert.Equal([ids[4]], again.Commands.Select(c => c.CommandId));

        var failed = await client.AckCommandsAsync(new AckCommandsRequest { GameServerId = gs, Acks = { new CommandAck { CommandId = ids[4], FailureReason = "inventory full" } } });
        Assert.Equal(1, failed.Settled);
        var last = (await RowsAsync(fx.Server, gs)).Single(r => r.CommandId == ids[4]);
        Assert.Equal((OutboxStore.Failed, "inventory full"), (last.Outcome, last.FailureReason));

        var staff = new GameLinkService.GameLinkServiceClient(fx.StaffChannel("vera", Role.Viewer));
        var link = (await staff.ListGameLinksAsync(new ListGameLinksRequest { ConnectedOnly = true })).Links.Single(l => l.GameServerId == gs);
        Assert.Equal((GameLinkMode.Pull, 0L, ""), (link.Mode, link.Backlog, link.ReplicaId));
    }

    [Fact]
    public async Task Staff_see_connected_game_servers_with_replica_backlog_oldest_age_and_last_ack()
    {
        const string gs = "gl-list";
        var credential = await fx.GameServerCredentialAsync(gs);
        var options = new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        var sim = Sim(fx.Server, gs, credential, options);
        string? replica = null;
        sim.Welcomed += w => replica = w.ReplicaId;
        await using var run = Start(sim);
        await EnqueueAsync(fx.Server, gs, 1);
        await AllSettledAsync(fx.Server, gs, 1);
        var ackedAt = fx.Clock.GetUtcNow();

        options.WithholdAcks = true;
        await EnqueueAsync(fx.Server, gs, 2);
        await EventuallyAsync(() => sim.Applied == 3, "two more applied, not acknowledged");
        fx.Clock.Advance(TimeSpan.FromSeconds(4));

        var staff = new GameLinkService.GameLinkServiceClient(fx.StaffChannel("vera", Role.Viewer));
        var link = (await staff.ListGameLinksAsync(new ListGameLinksRequest { ConnectedOnly = true })).Links.Single(l => l.GameServerId == gs);
        Assert.Equal(GameLinkMode.Stream, link.Mode);
        Assert.Equal(replica, link.ReplicaId);
        Assert.Equal(2, link.Backlog);
        Assert.Equal(TimeSpan.FromSeconds(4), link.OldestPendingAge.ToTimeSpan());
        Assert.Equal(ackedAt, link.LastAckAt.ToDateTimeOffset());

        var gameServer = new GameLinkService.GameLinkServiceClient(fx.Channel(credential));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await gameServer.ListGameLinksAsync(new ListGameLinksRequest()));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }
}
