using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Grpc.Net.Client;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Caller = GmTools.Server.Security.Caller;
using CallerKind = GmTools.Server.Security.CallerKind;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Authorization;

/// <summary>The attacks of issue #10, each tried as an insider would; each must be refused and write nothing.</summary>
public sealed class ScopeScenarioTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    private GrpcChannel Scoped(string user, string server, Role role) => fx.Server.Channel(fx.Server.ScopedStaffToken(user, [server], role));

    private Task<long> AuditCountAsync() => fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE outcome = 'succeeded'");

    [Fact]
    public async Task Scenario1_a_scoped_admin_neither_rotates_another_servers_credential_nor_registers_a_server()
    {
        await fx.GameServerCredentialAsync("c1-a");
        await fx.GameServerCredentialAsync("c1-b");
        var admin = new GameServerService.GameServerServiceClient(Scoped("adm-c1", "c1-a", Role.Admin));
        var audit = await AuditCountAsync();
        var servers = await fx.ScalarAsync("SELECT count(*) FROM game_servers");
        var hashOfB = await HashAsync("c1-b");

        var rotate = await RefusedAsync(async () => await admin.RotateGameServerCredentialAsync(new RotateGameServerCredentialRequest { GameServerId = "c1-b", Reason = "take over" }), StatusCode.NotFound);
        Assert.Equal("game server 'c1-b' not found", rotate.Status.Detail);
        await RefusedAsync(async () => await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "c1-new", DisplayName = "New", Reason = "mine" }), StatusCode.PermissionDenied);

        Assert.Equal(hashOfB, await HashAsync("c1-b"));
        Assert.Equal(servers, await fx.ScalarAsync("SELECT count(*) FROM game_servers"));
        Assert.Equal(audit, await AuditCountAsync());

        var listed = await admin.ListGameServersAsync(new ListGameServersRequest());
        Assert.Equal(["c1-a"], listed.GameServers.Select(g => g.GameServerId));
        var own = await admin.RotateGameServerCredentialAsync(new RotateGameServerCredentialRequest { GameServerId = "c1-a", Reason = "routine" });
        Assert.StartsWith("GameServer c1-a.", own.Credential, StringComparison.Ordinal);
        var unscoped = new GameServerService.GameServerServiceClient(fx.StaffChannel("adm-all", Role.Admin));
        await unscoped.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "c1-new", DisplayName = "New", Reason = "launch" });
    }

    private async Task<string> HashAsync(string server)
    {
        await using var conn = new Npgsql.NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT encode(credential_hash, 'hex') FROM game_servers WHERE game_server_id = @g", conn);
        cmd.Parameters.AddWithValue("g", server);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Scenario3_a_scoped_gm_cannot_overturn_an_all_server_ban_through_an_appeal_nor_can_the_filer()
    {
        await fx.GameServerAsync("c3-a");
        await fx.GameServerAsync("c3-b");
        await fx.AddPlayerAsync("p-c3", "c3-a");
        var ban = (await fx.Staff("gm-c3-issuer").IssueSanctionAsync(Ban("p-c3", AllServers))).Sanction;
        var scopedGm = new SanctionService.SanctionServiceClient(Scoped("gm-c3-scoped", "c3-a", Role.Gm));
        var appeal = (await scopedGm.FileAppealAsync(new FileAppealRequest { SanctionId = ban.SanctionId, Statement = "not me" })).Appeal;

        var before = await fx.CountsAsync();
        await RefusedAsync(async () => await scopedGm.DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "mine" }), StatusCode.PermissionDenied);
        await RefusedAsync(async () => await scopedGm.DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Upheld, Note = "mine" }), StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.CountsAsync());

        // The filer may not decide even with a scope that covers the sanction.
        await RefusedAsync(async () => await fx.Staff("gm-c3-scoped").DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "unscoped now" }), StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.CountsAsync());

        // An agent may file but not decide (no lift permission), a supervisor elsewhere sees NOT_FOUND.
        await RefusedAsync(async () => await new SanctionService.SanctionServiceClient(Scoped("sup-c3-b", "c3-b", Role.Supervisor))
            .DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "x" }), StatusCode.NotFound);

        var decided = await fx.Staff("gm-c3-reviewer").DecideAppealAsync(new DecideAppealRequest { AppealId = appeal.AppealId, Decision = AppealState.Overturned, Note = "reviewed" });
        Assert.True(decided.Sanction.LiftedAsWrongful);
    }

    [Fact]
    public void Scenario3_deciding_an_appeal_needs_the_lift_permission_and_a_supervisor_when_configured()
    {
        var sanction = new Server.Sanctions.Sanction { SanctionId = 1, IssuedBy = "gm-a", ScopeGameServerId = "x1", PlayerGameServerId = "x1" };
        var gm = new Caller("gm-b", CallerKind.Staff, [Role.Gm], []);
        gm.EnsureMayDecideAppeal(sanction, "agent-c", supervisorOnly: false);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => gm.EnsureMayDecideAppeal(sanction, "agent-c", supervisorOnly: true)).StatusCode);
        new Caller("sup", CallerKind.Staff, [Role.Supervisor], []).EnsureMayDecideAppeal(sanction, "agent-c", supervisorOnly: true);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => gm.EnsureMayDecideAppeal(sanction, "gm-b", supervisorOnly: false)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => new Caller("agent", CallerKind.Staff, [Role.Agent], []).EnsureMayDecideAppeal(sanction, "x", false)).StatusCode);
    }

    [Fact]
    public async Task Scenario4_lift_and_change_end_authorize_on_the_sanctions_scope_not_the_players_home()
    {
        await fx.GameServerAsync("c4-a");
        await fx.GameServerAsync("c4-b");
        await fx.AddPlayerAsync("p-c4", "c4-a");
        var ban = (await fx.Staff("gm-c4").IssueSanctionAsync(Ban("p-c4", OnServer("c4-b")))).Sanction;
        var homeGm = new SanctionService.SanctionServiceClient(Scoped("gm-c4-home", "c4-a", Role.Gm));
        var before = await fx.CountsAsync();
        await RefusedAsync(async () => await homeGm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.SanctionId, Reason = "friend" }), StatusCode.PermissionDenied);
        await RefusedAsync(async () => await homeGm.ChangeSanctionEndAsync(new ChangeSanctionEndRequest { SanctionId = ban.SanctionId, End = For(TimeSpan.FromMinutes(1)), Reason = "friend" }), StatusCode.PermissionDenied);
        Assert.Equal(before, await fx.CountsAsync());
        var onGm = new SanctionService.SanctionServiceClient(Scoped("gm-c4-on", "c4-b", Role.Gm));
        Assert.NotNull((await onGm.LiftSanctionAsync(new LiftSanctionRequest { SanctionId = ban.SanctionId, Reason = "reviewed" })).Sanction.LiftedAt);
    }

    [Fact]
    public async Task Scenario6_a_scoped_audit_reader_sees_only_its_servers_records_and_still_verifies_the_chain()
    {
        await fx.AddPlayerAsync("p-c6-a", "c6-a");
        await fx.AddPlayerAsync("p-c6-b", "c6-b");
        var agent = new PlayerService.PlayerServiceClient(fx.StaffChannel("agent-c6", Role.Agent));
        foreach (var p in new[] { "p-c6-a", "p-c6-b" })
        {
            await agent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = p, Kind = PlayerNoteKind.Other, Text = "note on " + p, TicketRef = "T-" + p });
        }
        await new RewardService.RewardServiceClient(fx.StaffChannel("adm-c6", Role.Admin)).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new Contracts.V1.CatalogueItem { ItemId = "c6.gem", Name = "Gem", Kind = ItemKind.Item, UnitValue = 5, Active = true }, Reason = "new item",
        });

        var scoped = new AuditService.AuditServiceClient(Scoped("sup-c6", "c6-a", Role.Supervisor));
        var seen = (await scoped.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 500 })).Records;
        Assert.Contains(seen, r => r.PlayerId == "p-c6-a" && r.Action == "player.note");
        Assert.DoesNotContain(seen, r => r.PlayerId == "p-c6-b");
        Assert.DoesNotContain(seen, r => r.Action == "catalogue.upsert");
        Assert.All(seen, r => Assert.True(r.GameServerId is "" or "c6-a", r.Action));
        Assert.Empty((await scoped.ListAuditRecordsAsync(new ListAuditRecordsRequest { PlayerId = "p-c6-b" })).Records);

        var all = (await new AuditService.AuditServiceClient(fx.StaffChannel("sup-all", Role.Supervisor)).ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 500 })).Records;
        Assert.Contains(all, r => r.PlayerId == "p-c6-b");
        Assert.Contains(all, r => r.Action == "catalogue.upsert");
        Assert.True((await scoped.VerifyAuditChainAsync(new VerifyAuditChainRequest())).Intact);
    }

    [Fact]
    public async Task Scenario9_a_game_server_may_ask_check_access_only_about_itself()
    {
        var c9 = await fx.GameServerAsync("c9-a");
        await fx.GameServerAsync("c9-b");
        await fx.AddPlayerAsync("p-c9", "c9-b");
        await RefusedAsync(async () => await c9.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-c9", GameServerId = "c9-b" }), StatusCode.PermissionDenied);
        Assert.True((await c9.CheckAccessAsync(new CheckAccessRequest { PlayerId = "p-c9", GameServerId = "c9-a" })).MayLogIn);
    }

    [Fact]
    public async Task Scenario10_the_catalogue_is_changed_only_by_an_unscoped_admin()
    {
        var scoped = new RewardService.RewardServiceClient(Scoped("adm-c10", "c10-a", Role.Admin));
        var request = new UpsertCatalogueItemRequest
        {
            Item = new Contracts.V1.CatalogueItem { ItemId = "c10.sword", Name = "Sword", Kind = ItemKind.Item, UnitValue = 1_000_000, Active = true }, Reason = "cheap for me",
        };
        var audit = await AuditCountAsync();
        await RefusedAsync(async () => await scoped.UpsertCatalogueItemAsync(request), StatusCode.PermissionDenied);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM reward_catalogue WHERE item_id = 'c10.sword'"));
        Assert.Equal(audit, await AuditCountAsync());
        await new RewardService.RewardServiceClient(fx.StaffChannel("adm-c10-all", Role.Admin)).UpsertCatalogueItemAsync(request);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM reward_catalogue WHERE item_id = 'c10.sword'"));
    }
}
