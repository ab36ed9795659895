using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

public sealed class AuditChainTests
{
    private static async Task<(ServerFixture Fx, AuditService.AuditServiceClient Audit)> StartWithHistoryAsync()
    {
        var fx = new ServerFixture();
        await fx.InitializeAsync();
        var admin = new GameServerService.GameServerServiceClient(fx.StaffChannel("ada", Role.Admin));
        for (var i = 1; i <= 5; i++)
        {
            await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = $"s{i}", DisplayName = $"Server {i}", Reason = "launch" });
        }
        // Linked now, so the tests below tamper with the chain rather than race the background chainer. One pass links
        // only below the write-order horizon, which another open transaction (a poller's) can hold back for a moment:
        // pass again until nothing is left unlinked, or a DELETE of "sequence 5" would delete nothing.
        var chainer = fx.Server.Services.GetRequiredService<AuditChainer>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            await chainer.CatchUpAsync(CancellationToken.None);
        }
        while (await UnlinkedAsync(fx) > 0 && DateTime.UtcNow < deadline);
        Assert.Equal(0, await UnlinkedAsync(fx));
        return (fx, new AuditService.AuditServiceClient(fx.StaffChannel("ada", Role.Admin)));
    }

    private static async Task<long> UnlinkedAsync(ServerFixture fx)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM audit_records WHERE sequence IS NULL", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(ServerFixture fx, string sql)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        // An attacker with superuser rights can switch the append-only trigger off; the chain still tells.
        await using var cmd = new NpgsqlCommand("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only; " + sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Every_mutation_is_recorded_and_the_chain_verifies()
    {
        var (fx, audit) = await StartWithHistoryAsync();
        await using var _ = new AsyncDisposer(fx);
        var records = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { Action = "gameserver." });
        Assert.Equal(5, records.Records.Count);
        Assert.All(records.Records, r => Assert.Equal("ada", r.Actor));
        Assert.Equal([5L, 4, 3, 2, 1], records.Records.Select(r => r.Sequence));
        Assert.Equal(["s5", "s4", "s3", "s2", "s1"], records.Records.Select(r => r.TargetId));

        var page1 = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { Actor = "ada", PageSize = 3 });
        var page2 = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { Actor = "ada", PageSize = 3, PageToken = page1.NextPageToken });
        Assert.Equal(5, page1.Records.Concat(page2.Records).Select(r => r.Sequence).Distinct().Count());
        Assert.Equal("", page2.NextPageToken);

        var report = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.True(report.Intact, report.Problem);
        Assert.Equal(5, report.RecordsChecked);
    }

    [Fact]
    public async Task The_application_role_cannot_update_audit_records()
    {
        var (fx, _) = await StartWithHistoryAsync();
        await using var __ = new AsyncDisposer(fx);
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE audit_records SET reason = 'nothing to see' WHERE sequence = 2", conn);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_record_is_found()
    {
        var (fx, audit) = await StartWithHistoryAsync();
        await using var _ = new AsyncDisposer(fx);
        await ExecuteAsync(fx, "UPDATE audit_records SET reason = 'nothing to see' WHERE sequence = 3");
        var report = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.False(report.Intact);
        Assert.Equal(3, report.FirstBrokenSequence);
        Assert.Contains("edited", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_record_is_found_in_the_middle_and_at_the_end()
    {
        var (fx, audit) = await StartWithHistoryAsync();
        await using var _ = new AsyncDisposer(fx);
        await ExecuteAsync(fx, "DELETE FROM audit_records WHERE sequence = 5");
        var tail = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.False(tail.Intact);
        Assert.Equal(5, tail.FirstBrokenSequence);

        await ExecuteAsync(fx, "DELETE FROM audit_records WHERE sequence = 2");
        var middle = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest { Full = true });
        Assert.False(middle.Intact);
        Assert.Equal(2, middle.FirstBrokenSequence);
        Assert.Contains("missing", middle.Problem, StringComparison.Ordinal);
    }

    private sealed class AsyncDisposer(ServerFixture fx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await fx.DisposeAsync();
    }
}
