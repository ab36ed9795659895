using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

/// <summary>A server whose chainer runs only when the test says so (or in the background, when asked).</summary>
public sealed class AuditFixture(bool background = false, int checkpointEvery = 10_000) : ServerFixture, IAsyncDisposable
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Audit:ChainerEnabled"] = background ? "true" : "false",
        ["GmTools:Audit:CheckpointEvery"] = checkpointEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GmTools:Quartz:Enabled"] = "false",
    };

    public AuditChainer Chainer() => Server.Services.GetRequiredService<AuditChainer>();

    public async Task<ChainPass> CatchUpAsync() => await Chainer().CatchUpAsync(CancellationToken.None);

    public async Task<long> AppendAsync(string targetId, GmToolsFactory? replica = null)
    {
        await using var scope = (replica ?? Server).Services.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<AuditWriter>()
            .AppendStandaloneAsync(new AuditEntry("test.fact", "test", targetId, new { n = targetId }), AuditWriter.Succeeded, CancellationToken.None);
        return record.Id;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>As an attacker with superuser rights, who can switch the append-only trigger off.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only; ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only; " + sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public AuditService.AuditServiceClient Audit(Role role = Role.Supervisor) => new(StaffChannel("sam", role));

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}

public sealed class AuditChainerTests
{
    private static async Task<AuditFixture> StartAsync(bool background = false, int checkpointEvery = 10_000)
    {
        var fx = new AuditFixture(background, checkpointEvery);
        await fx.InitializeAsync();
        return fx;
    }

    [Fact]
    public async Task Records_written_while_the_chainer_was_stopped_are_checked_by_their_MAC_then_linked_in_write_order_when_it_catches_up()
    {
        await using var fx = await StartAsync();
        var ids = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await fx.AppendAsync($"t{i}"));
        }
        var audit = fx.Audit();
        var before = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.True(before.Intact, before.Problem);
        Assert.Equal(6, before.UnlinkedRecords);
        Assert.Equal(0, before.RecordsChecked);
        Assert.NotNull(before.OldestUnlinkedAt);
        Assert.All((await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest())).Records, r => Assert.Equal(0, r.Sequence));

        // The application role may link a record, but not change it while doing so.
        await using (var conn = new NpgsqlConnection(fx.Postgres))
        {
            await conn.OpenAsync();
            await using var forge = new NpgsqlCommand($"UPDATE audit_records SET sequence = 1, hash = 'x', reason = 'nothing to see' WHERE id = {ids[0]}", conn);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => forge.ExecuteNonQueryAsync());
            Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
        }

        var pass = await fx.CatchUpAsync();
        Assert.Equal(6, pass.LastSequence);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE sequence IS NULL"));
        // Linked in write order: sequence follows id.
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY sequence) AS prev FROM audit_records) x WHERE prev >= id"));
        var after = await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(after.Intact, after.Problem);
        Assert.Equal(6, after.RecordsChecked);
        Assert.Equal(0, after.UnlinkedRecords);

        // After catching up, an edit of a record written while it was stopped is found by the chain.
        await fx.TamperAsync("UPDATE audit_records SET reason = 'nothing to see' WHERE sequence = 4");
        var edited = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 1 });
        Assert.False(edited.Intact);
        Assert.Equal(4, edited.FirstBrokenSequence);
        Assert.Contains("edited", edited.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_or_a_forged_insertion_before_linking_is_found_before_and_after_the_chainer_catches_up()
    {
        await using var fx = await StartAsync();
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await fx.AppendAsync($"t{i}"));
        }
        await fx.TamperAsync($"UPDATE audit_records SET reason = 'nothing to see' WHERE id = {ids[2]}");
        var audit = fx.Audit();
        var edited = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.False(edited.Intact);
        Assert.Equal(ids[2], edited.FirstBrokenRecordId);

        await fx.CatchUpAsync();
        var linked = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 1 });
        Assert.False(linked.Intact);
        Assert.Equal(3, linked.FirstBrokenSequence);
        Assert.Contains("MAC", linked.Problem, StringComparison.Ordinal);

        await using var fx2 = await StartAsync();
        await fx2.AppendAsync("real");
        // A record inserted out of band: the attacker has the table, not the key.
        await fx2.TamperAsync("""
            INSERT INTO audit_records (record_key, occurred_at, actor, actor_role, action, target_type, target_id, reason, ticket_ref, request_id, outcome, change, mac)
            VALUES (gen_random_uuid(), now(), 'ada', 'admin', 'sanction.lift', 'sanction', '1', 'approved', '', 'r', 'succeeded', '{}', repeat('a', 64))
            """);
        var forged = await fx2.Audit().VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.False(forged.Intact);
        Assert.Contains("forged", forged.Problem, StringComparison.Ordinal);
        await fx2.CatchUpAsync();
        var forgedLinked = await fx2.Audit().VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 1 });
        Assert.False(forgedLinked.Intact);
        Assert.Equal(2, forgedLinked.FirstBrokenSequence);
    }

    [Fact]
    public async Task A_record_of_a_transaction_still_open_is_never_skipped_the_chain_waits_for_it_and_a_request_never_waits_for_the_chain()
    {
        await using var fx = await StartAsync();
        await fx.AppendAsync("before-1");
        await fx.AppendAsync("before-2");

        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var writer = scope.ServiceProvider.GetRequiredService<AuditWriter>();
        await using var open = await db.Database.BeginTransactionAsync();
        var openId = (await writer.AppendAsync(new AuditEntry("test.fact", "test", "long"), CancellationToken.None)).Id;

        // Others append and commit while it is open: nothing waits on a chain head (an RPC under a short deadline too).
        var later = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            later.Add(await fx.AppendAsync($"after-{i}"));
        }
        var admin = new GameServerService.GameServerServiceClient(fx.StaffChannel("ada", Role.Admin));
        await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "s-open", DisplayName = "Open", Reason = "launch" },
            deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.All(later, id => Assert.True(id > openId));

        var pass = await fx.CatchUpAsync();
        Assert.True(pass.HeldBack);
        Assert.Equal(2, pass.LastSequence);
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE sequence IS NOT NULL"));

        await open.CommitAsync();
        var done = await fx.CatchUpAsync();
        Assert.False(done.HeldBack);
        Assert.Equal(7, done.LastSequence);
        Assert.Equal(3, await fx.ScalarAsync($"SELECT sequence FROM audit_records WHERE id = {openId}"));
        var report = await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(report.Intact, report.Problem);
        Assert.Equal(7, report.RecordsChecked);
    }

    [Fact]
    public async Task A_rolled_back_record_leaves_no_gap_and_no_link()
    {
        await using var fx = await StartAsync();
        await fx.AppendAsync("kept-1");
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await scope.ServiceProvider.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry("test.fact", "test", "gone"), CancellationToken.None);
            await tx.RollbackAsync();
        }
        await fx.AppendAsync("kept-2");
        Assert.Equal(2, (await fx.CatchUpAsync()).LastSequence);
        var report = await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(report.Intact, report.Problem);
        Assert.Equal(2, report.RecordsChecked);
    }

    [Fact]
    public async Task Two_replicas_writing_at_once_with_their_chainers_running_make_one_valid_chain()
    {
        await using var fx = await StartAsync(background: true);
        var second = fx.AddReplica();
        const int perWriter = 40;
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await fx.AppendAsync($"w{w}-{i}", w % 2 == 0 ? fx.Server : second);
            }
        }));
        await Task.WhenAll(writers);
        Assert.True(fx.Chainer().Linked + second.Services.GetRequiredService<AuditChainer>().Linked > 0, "the background chainers linked records");
        await fx.CatchUpAsync();
        var report = await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(report.Intact, report.Problem);
        Assert.Equal(8 * perWriter, report.RecordsChecked);
        Assert.Equal(0, report.UnlinkedRecords);
        Assert.Equal(8 * perWriter, await fx.ScalarAsync("SELECT count(DISTINCT sequence) FROM audit_records"));
    }

    [Fact]
    public async Task Verification_starts_at_the_newest_signed_checkpoint_or_covers_a_range_and_a_full_walk_is_for_admins()
    {
        await using var fx = await StartAsync(checkpointEvery: 5);
        for (var i = 0; i < 23; i++)
        {
            await fx.AppendAsync($"t{i}");
            if (i % 2 == 1)
            {
                await fx.CatchUpAsync(); // passes of two records: a checkpoint every 6 records (the first pass too)
            }
        }
        await fx.CatchUpAsync();
        var checkpoints = await fx.ScalarAsync("SELECT count(*) FROM audit_checkpoints");
        Assert.True(checkpoints >= 3, $"{checkpoints} checkpoints");
        var newest = await fx.ScalarAsync("SELECT max(sequence) FROM audit_checkpoints");
        var audit = fx.Audit();

        var incremental = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.True(incremental.Intact, incremental.Problem);
        Assert.Equal(newest, incremental.StartedAfterSequence);
        Assert.Equal(23, incremental.CheckedThroughSequence);
        Assert.Equal(23 - newest, incremental.RecordsChecked); // O(new records), not O(all)

        var range = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 8, ToSequence = 12 });
        Assert.True(range.Intact, range.Problem);
        Assert.True(range.StartedAfterSequence < 8);
        Assert.Equal(12, range.CheckedThroughSequence);
        Assert.True(range.RecordsChecked <= 12, $"{range.RecordsChecked} checked for a range of 5");

        var denied = await Assert.ThrowsAsync<RpcException>(() => audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(() => audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 9, ToSequence = 3 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        var full = await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(full.Intact, full.Problem);
        Assert.Equal(23, full.RecordsChecked);

        // An old record edited: outside the newest segment, found by the range that covers it and by the full walk.
        await fx.TamperAsync("UPDATE audit_records SET reason = 'nothing to see' WHERE sequence = 2");
        Assert.True((await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest())).Intact);
        var ranged = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 1, ToSequence = 3 });
        Assert.False(ranged.Intact);
        Assert.Equal(2, ranged.FirstBrokenSequence);
        Assert.Equal(2, (await fx.Audit(Role.Admin).VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true })).FirstBrokenSequence);

        // Records deleted at the end: the signed head tells.
        await fx.TamperAsync("DELETE FROM audit_records WHERE sequence >= 22");
        var tail = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { FromSequence = 15 });
        Assert.False(tail.Intact);
        Assert.Equal(22, tail.FirstBrokenSequence);

        // The chain recomputed from there by someone without the key: the signed checkpoints no longer match.
        await fx.TamperAsync($"UPDATE audit_checkpoints SET hash = repeat('b', 64) WHERE sequence = {newest}");
        var forgedCheckpoint = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.False(forgedCheckpoint.Intact);
        Assert.Contains("signature", forgedCheckpoint.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_background_chainer_links_each_commit_without_being_asked()
    {
        await using var fx = await StartAsync(background: true);
        var id = await fx.AppendAsync("soon");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await fx.ScalarAsync($"SELECT count(*) FROM audit_records WHERE id = {id} AND sequence IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the commit woke the chainer");
            await Task.Delay(20);
        }
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<GmToolsDbContext>().Set<GmTools.Server.Audit.AuditRecord>().AsNoTracking().SingleAsync(r => r.Id == id);
        Assert.NotNull(record.ChainedAt);
    }
}
