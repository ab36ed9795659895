using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Idempotency;

/// <summary>Caller mistakes are INVALID_ARGUMENT naming the field; unique-key races are run again and answered as what they are.</summary>
public sealed class StatusCodeTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    [Fact]
    public async Task Out_of_range_or_unnormalized_times_are_invalid_arguments_naming_the_field_and_write_nothing()
    {
        await fx.GameServerCredentialAsync("sc-a");
        await fx.AddPlayerAsync("p-sc-1", "sc-a");
        var gm = fx.Staff("gm-sc");
        var before = await fx.CountsAsync();

        var tenThousandYears = Mute("p-sc-1", "sc-a").With(r => r.End = new SanctionEnd { Duration = new Duration { Seconds = 315_576_000_000 } });
        Assert.Equal(["end.duration"], (await RefusedAsync(() => gm.IssueSanctionAsync(tenThousandYears).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        var unnormalized = Mute("p-sc-1", "sc-a").With(r => r.End = new SanctionEnd { Duration = new Duration { Seconds = 3600, Nanos = -5 } });
        Assert.Equal(["end.duration"], (await RefusedAsync(() => gm.IssueSanctionAsync(unnormalized).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        var pastYear9999 = Mute("p-sc-1", "sc-a").With(r => r.End = new SanctionEnd { EndsAt = new Timestamp { Seconds = 253_402_300_800 } });
        Assert.Equal(["end.ends_at"], (await RefusedAsync(() => gm.IssueSanctionAsync(pastYear9999).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        // Within protobuf's range but beyond any sanction's: the desk's own bound, still named.
        var year9999 = Mute("p-sc-1", "sc-a").With(r => r.End = new SanctionEnd { EndsAt = new Timestamp { Seconds = 253_402_300_799 } });
        Assert.Equal(["end.ends_at"], (await RefusedAsync(() => gm.IssueSanctionAsync(year9999).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        Assert.Equal(before, await fx.CountsAsync());

        var audit = new AuditService.AuditServiceClient(fx.StaffChannel("sup-sc", Role.Supervisor));
        var beforeYear1 = await RefusedAsync(() => audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { From = new Timestamp { Seconds = -62_135_596_801 } }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["from"], beforeYear1.Fields());

        var rewards = new RewardService.RewardServiceClient(fx.StaffChannel("sup-sc", Role.Supervisor));
        var window = new CreateCampaignRequest
        {
            Reason = "r", MailTitle = "t", Lines = { new RewardLine { ItemId = "gold", Count = 1 } },
            IncidentWindow = new IncidentWindowTarget { GameServerId = "sc-a", Start = new Timestamp { Seconds = 0, Nanos = -1 }, End = Timestamp.FromDateTime(DateTime.UtcNow) },
        };
        Assert.Equal(["incident_window.start"], (await RefusedAsync(() => rewards.CreateCampaignAsync(window).ResponseAsync, StatusCode.InvalidArgument)).Fields());
    }

    [Fact]
    public async Task A_registration_racing_a_concurrent_insert_of_the_same_id_is_already_exists_not_internal()
    {
        var admin = new GameServerService.GameServerServiceClient(fx.StaffChannel("adm-sc", Role.Admin));
        // Another writer holds an uncommitted row with the id: the RPC's existence check cannot see it and its
        // insert waits on the unique index until the other writer commits, then fails on the key.
        await using var other = await HoldUncommittedAsync("INSERT INTO game_servers (game_server_id, display_name, region, credential_hash, registered_at, credential_rotated_at) VALUES ('race-1', 'R', '', '\\x00', now(), now())");
        var call = admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "race-1", DisplayName = "Race", Reason = "launch" }).ResponseAsync;
        await WaitForLockWaitAsync("INSERT INTO game_servers");
        await other.CommitAsync();
        await RefusedAsync(() => call, StatusCode.AlreadyExists);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'gameserver.register' AND target_id = 'race-1'"));
    }

    [Fact]
    public async Task A_catalogue_upsert_racing_a_concurrent_insert_is_run_again_and_updates_the_row()
    {
        var admin = new RewardService.RewardServiceClient(fx.StaffChannel("adm-sc", Role.Admin));
        await using var other = await HoldUncommittedAsync("INSERT INTO reward_catalogue (item_id, name, kind, unit_value, active, updated_at) VALUES ('race-gem', 'old', 'item', 1, true, now())");
        var call = admin.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "race-gem", Name = "Race gem", Kind = ItemKind.Item, UnitValue = 7, Active = true },
            Reason = "new item",
        }).ResponseAsync;
        await WaitForLockWaitAsync("INSERT INTO reward_catalogue");
        await other.CommitAsync();
        var saved = await call;
        Assert.Equal(7, saved.Item.UnitValue);
        Assert.Equal(7, await fx.ScalarAsync("SELECT unit_value FROM reward_catalogue WHERE item_id = 'race-gem'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'catalogue.upsert' AND target_id = 'race-gem'"));
    }

    private sealed class Held(NpgsqlConnection conn, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public Task CommitAsync() => tx.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync();
            await conn.DisposeAsync();
        }
    }

    private async Task<Held> HoldUncommittedAsync(string sql)
    {
        var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        var tx = await conn.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync();
        return new Held(conn, tx);
    }

    private async Task WaitForLockWaitAsync(string statement)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await fx.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE @q", ("q", "%" + statement + "%")) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nobody waited on a lock in: {statement}");
            await Task.Delay(20);
        }
    }
}

/// <summary>PostgreSQL gone is UNAVAILABLE (which clients may retry), not INTERNAL; back again, calls succeed.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task Calls_answer_unavailable_while_postgres_is_down_and_succeed_once_it_is_back()
    {
        await using var pg = await PrivatePostgres.StartAsync();
        var cs = await pg.CreateMigratedDatabaseAsync();
        await using var server = new GmToolsFactory(cs, $"o{Guid.NewGuid():N}:", new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string?> { ["GmTools:Quartz:Enabled"] = "false" });
        var admin = new GameServerService.GameServerServiceClient(server.Channel(server.StaffToken("ada", Role.Admin)));
        await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "o1", DisplayName = "O1", Reason = "launch" });

        await pg.StopAsync();
        await RefusedAsync(() => admin.ListGameServersAsync(new ListGameServersRequest()).ResponseAsync, StatusCode.Unavailable);
        await RefusedAsync(() => admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "o2", DisplayName = "O2", Reason = "launch" }).ResponseAsync, StatusCode.Unavailable);
        // A refusal is audited too; with the audit store gone the answer is still UNAVAILABLE, not INTERNAL.
        var viewer = new GameServerService.GameServerServiceClient(server.Channel(server.StaffToken("vic", Role.Viewer)));
        await RefusedAsync(() => viewer.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "o3", DisplayName = "O3", Reason = "x" }).ResponseAsync, StatusCode.Unavailable);

        await pg.StartAgainAsync();
        ListGameServersResponse? listed = null;
        // The pool replaces its dead connections on first use; this waits on the database, not on a clock.
        for (var attempt = 0; attempt < 40 && listed is null; attempt++)
        {
            try
            {
                listed = await admin.ListGameServersAsync(new ListGameServersRequest());
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(250);
            }
        }
        Assert.NotNull(listed);
        Assert.Equal(["o1"], listed.GameServers.Select(g => g.GameServerId));
    }
}
