using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace GmTools.Server.Tests.Idempotency;

/// <summary>
/// The mechanism itself, driven the way a gRPC service drives it (a request scope with a caller), on real
/// PostgreSQL and across two replicas. The RPCs that use it are tested through gRPC in their own classes.
/// </summary>
public sealed class IdempotentCallTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string Operation = "/test.v1.Test/Change";
    private static readonly Caller Ada = new("ada", CallerKind.Staff, [Role.Admin], []);

    private delegate Task<StringValue> Work(IServiceProvider services, CancellationToken ct);

    private static async Task<StringValue> CallAsync(GmToolsFactory replica, string key, string content, Work work, Caller? caller = null)
    {
        await using var scope = replica.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().Caller = caller ?? Ada;
        var calls = scope.ServiceProvider.GetRequiredService<IdempotentCalls>();
        return await calls.RunAsync(Operation, key, new StringValue { Value = content }, ct => work(scope.ServiceProvider, ct), CancellationToken.None);
    }

    /// <summary>What a desk does: joins the call's transaction, writes its audit record there, answers.</summary>
    private static Work Desk(string marker, Func<Task>? inside = null, Action? counted = null) => async (services, ct) =>
    {
        counted?.Invoke();
        var db = services.GetRequiredService<GmToolsDbContext>();
        await using var tx = await db.BeginWorkAsync(ct);
        Assert.False(tx.Owned);
        await services.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry("test.idempotent", "test", marker), ct);
        if (inside is not null)
        {
            await inside();
        }
        await tx.CommitAsync(ct);
        return new StringValue { Value = $"{marker}@{Guid.NewGuid():N}" };
    };

    [Fact]
    public async Task A_replay_returns_the_first_response_byte_for_byte_and_other_content_is_already_exists()
    {
        var runs = 0;
        var first = await CallAsync(fx.Server, "k-1", "mute p1", Desk("replay", counted: () => runs++));
        var again = await CallAsync(fx.Server, "k-1", "mute p1", Desk("replay", counted: () => runs++));
        Assert.Equal(first.ToByteArray(), again.ToByteArray()); // the random part proves it was not recomputed
        Assert.Equal(1, runs);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM audit_records WHERE action = 'test.idempotent' AND target_id = 'replay'"));

        var other = await Assert.ThrowsAsync<RpcException>(() => CallAsync(fx.Server, "k-1", "mute p2", Desk("replay", counted: () => runs++)));
        Assert.Equal(StatusCode.AlreadyExists, other.StatusCode);
        Assert.Equal(1, runs);

        // Keys belong to their caller: another caller's "k-1" is a different key.
        var bob = new Caller("bob", CallerKind.Staff, [Role.Admin], []);
        var bobs = await CallAsync(fx.Server, "k-1", "mute p2", Desk("replay", counted: () => runs++), bob);
        Assert.NotEqual(first.Value, bobs.Value);
        Assert.Equal(2, runs);
        // A game server named like a staff member does not share its keys either.
        var gameServer = new Caller("ada", CallerKind.GameServer, [Role.GameServer], ["ada"]);
        await CallAsync(fx.Server, "k-1", "mute p1", Desk("replay", counted: () => runs++), gameServer);
        Assert.Equal(3, runs);
        Assert.Equal(3, await CountAsync("SELECT count(*) FROM idempotency_keys WHERE key = 'k-1'"));
    }

    [Fact]
    public async Task A_call_that_fails_keeps_no_key_and_no_change_so_its_retry_runs_afresh()
    {
        var failing = await Assert.ThrowsAsync<RpcException>(() => CallAsync(fx.Server, "k-fail", "x", Desk("fail", inside: () => throw new RpcException(new Status(StatusCode.FailedPrecondition, "no")))));
        Assert.Equal(StatusCode.FailedPrecondition, failing.StatusCode);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM idempotency_keys WHERE key = 'k-fail'"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM audit_records WHERE target_id = 'fail'"));

        var ok = await CallAsync(fx.Server, "k-fail", "x", Desk("fail"));
        Assert.StartsWith("fail@", ok.Value, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM audit_records WHERE target_id = 'fail'"));
    }

    [Fact]
    public async Task Two_replicas_racing_with_one_key_run_the_change_once_and_answer_alike()
    {
        var second = fx.AddReplica();
        var runs = 0;
        var firstInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = CallAsync(fx.Server, "k-race", "ban p9", Desk("race", inside: async () =>
        {
            firstInside.SetResult();
            await release.Task;
        }, counted: () => Interlocked.Increment(ref runs)));
        await firstInside.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // A holds its claim uncommitted; B on the other replica must queue behind it on the key's row.
        var b = CallAsync(second, "k-race", "ban p9", Desk("race", counted: () => Interlocked.Increment(ref runs)));
        await WaitForLockWaitAsync("INSERT INTO idempotency_keys");
        Assert.False(b.IsCompleted);
        release.SetResult();
        var (ra, rb) = (await a, await b);
        Assert.Equal(ra.ToByteArray(), rb.ToByteArray());
        Assert.Equal(1, runs);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM audit_records WHERE target_id = 'race'"));
    }

    [Fact]
    public async Task Expired_keys_are_purged_by_a_clustered_recurring_job()
    {
        await CallAsync(fx.Server, "k-old", "old", Desk("purge-old"));
        fx.Clock.Advance(TimeSpan.FromDays(8)); // past the default retention of 7 days
        await CallAsync(fx.Server, "k-new", "new", Desk("purge-new"));
        var purged = await fx.Server.Services.GetRequiredService<IdempotencyPurge>().PurgeAsync(CancellationToken.None);
        Assert.True(purged >= 1);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM idempotency_keys WHERE key = 'k-old'"));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM idempotency_keys WHERE key = 'k-new'"));

        var scheduler = fx.Server.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        var trigger = await scheduler.GetTrigger(new TriggerKey("idempotency-purge", "housekeeping")) as ISimpleTrigger;
        Assert.NotNull(trigger);
        Assert.Equal(TimeSpan.FromHours(1), trigger.RepeatInterval);
        Assert.True((await scheduler.GetMetadata()).JobStoreClustered);
    }

    /// <summary>Waits until some backend of this database is blocked on a lock while running <paramref name="statement"/>.</summary>
    private async Task WaitForLockWaitAsync(string statement)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await CountAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE @q",
                   ("q", "%" + statement + "%")) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nobody waited on a lock in: {statement}");
            await Task.Delay(20);
        }
    }

    private async Task<long> CountAsync(string sql, params (string, object)[] args)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in args)
        {
            cmd.Parameters.AddWithValue(n, v);
        }
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
