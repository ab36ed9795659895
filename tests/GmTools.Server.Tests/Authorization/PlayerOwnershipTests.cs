using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using static GmTools.Server.Tests.Players.PlayerTestData;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Authorization;

/// <summary>Scenario 2: a game server syncs only its own players; a move is a staff transfer, audited.</summary>
public sealed class PlayerOwnershipTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private async Task<PlayerService.PlayerServiceClient> GameServerAsync(string id) => new(fx.Channel(await fx.GameServerCredentialAsync(id)));

    private PlayerService.PlayerServiceClient Supervisor(params string[] scope) =>
        new(scope.Length == 0 ? fx.StaffChannel("sup-own", Role.Supervisor) : fx.Server.Channel(fx.Server.ScopedStaffToken("sup-own-" + scope[0], scope, Role.Supervisor)));

    private async Task<string> HomeAsync(string player) =>
        (await new PlayerService.PlayerServiceClient(fx.StaffChannel("viewer-own", Role.Viewer)).GetPlayerAsync(new GetPlayerRequest { PlayerId = player })).Player.GameServerId;

    [Fact]
    public async Task A_server_claiming_another_servers_player_is_refused_for_that_row_and_the_rest_is_applied()
    {
        var s1 = await GameServerAsync("own-a");
        var s2 = await GameServerAsync("own-b");
        await s1.SyncAsync("own-a", Profile("own-victim", "Victim", version: 1));

        var attack = await s2.SyncAsync("own-b", Profile("own-b-1", "Mine"), Profile("own-victim", "Stolen", version: long.MaxValue), Profile("own-b-2", "Mine2"));
        var refused = Assert.Single(attack.Refused);
        Assert.Equal(("players[1]", "own-victim"), (refused.Field, refused.PlayerId));
        Assert.Equal(2, attack.Inserted);
        Assert.Equal("own-a", await HomeAsync("own-victim"));
        Assert.Equal("Victim", (await new PlayerService.PlayerServiceClient(fx.StaffChannel("v", Role.Viewer)).GetPlayerAsync(new GetPlayerRequest { PlayerId = "own-victim" })).Player.CharacterName);

        // The owner's corrections still land.
        Assert.Equal(1, (await s1.SyncAsync("own-a", Profile("own-victim", "Victim2", version: 2))).Updated);
    }

    [Fact]
    public async Task A_transfer_moves_a_player_once_is_audited_and_needs_both_servers_in_scope()
    {
        var s1 = await GameServerAsync("own-c");
        var s2 = await GameServerAsync("own-d");
        await s1.SyncAsync("own-c", Profile("own-mover", "Mover", version: 40));
        var request = new TransferPlayerRequest { PlayerId = "own-mover", ToGameServerId = "own-d", Reason = "server merge", TicketRef = "T-7", IdempotencyKey = "merge-1" };

        var audit = await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'player.transfer'");
        await RefusedAsync(async () => await Supervisor("own-c").TransferPlayerAsync(request), StatusCode.NotFound);
        await RefusedAsync(async () => await Supervisor("own-d").TransferPlayerAsync(request), StatusCode.NotFound);
        await RefusedAsync(async () => await new PlayerService.PlayerServiceClient(fx.StaffChannel("gm-own", Role.Gm)).TransferPlayerAsync(request), StatusCode.PermissionDenied);
        await RefusedAsync(async () => await Supervisor().TransferPlayerAsync(request.With(r => { r.ToGameServerId = "own-nowhere"; r.IdempotencyKey = ""; })), StatusCode.NotFound);
        Assert.Equal("own-c", await HomeAsync("own-mover"));
        Assert.Equal(audit, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'player.transfer'"));

        var moved = await Supervisor().TransferPlayerAsync(request);
        Assert.Equal(("own-d", "own-c"), (moved.Player.GameServerId, moved.FromGameServerId));
        var again = await Supervisor().TransferPlayerAsync(request);
        Assert.Equal(moved, again);
        Assert.Equal(audit + 1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'player.transfer' AND target_id = 'own-mover' AND game_server_id = 'own-d'"));

        // The old server can no longer write the player; the new one can, from its own first version.
        Assert.Single((await s1.SyncAsync("own-c", Profile("own-mover", "Mover", version: 41))).Refused);
        Assert.Equal(1, (await s2.SyncAsync("own-d", Profile("own-mover", "Mover", version: 1))).Updated);
        await RefusedAsync(async () => await Supervisor().TransferPlayerAsync(request.With(r => r.IdempotencyKey = "")), StatusCode.FailedPrecondition);
    }
}
