using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Server.Security.Role;
using static GmTools.Server.Tests.Players.PlayerTestData;

namespace GmTools.Server.Tests.Players;

public sealed class PlayerSyncTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private PlayerService.PlayerServiceClient Staff => new(fx.StaffChannel("ada", Role.Admin));

    private async Task<PlayerService.PlayerServiceClient> GameServerAsync(string id) => new(fx.Channel(await fx.GameServerCredentialAsync(id)));

    [Fact]
    public async Task The_same_batch_twice_inserts_once_then_skips_everything()
    {
        var gs = await GameServerAsync("sync-a");
        var batch = Enumerable.Range(0, 5).Select(i => Profile($"sa-{i}", $"Hero{i}", version: 3)).ToArray();

        var first = await gs.SyncAsync("sync-a", batch);
        Assert.Equal((5, 0, 0), (first.Inserted, first.Updated, first.SkippedStale));

        var second = await gs.SyncAsync("sync-a", batch);
        Assert.Equal((0, 0, 5), (second.Inserted, second.Updated, second.SkippedStale));
    }

    [Fact]
    public async Task An_older_version_never_overwrites_a_newer_one_and_a_newer_one_does()
    {
        var gs = await GameServerAsync("sync-b");
        await gs.SyncAsync("sync-b", Profile("sb-1", "Newer", version: 10));

        var stale = await gs.SyncAsync("sync-b", Profile("sb-1", "Older", version: 9));
        Assert.Equal(1, stale.SkippedStale);
        var equal = await gs.SyncAsync("sync-b", Profile("sb-1", "SameVersion", version: 10));
        Assert.Equal(1, equal.SkippedStale);
        Assert.Equal("Newer", (await Staff.GetPlayerAsync(new GetPlayerRequest { PlayerId = "sb-1" })).Player.CharacterName);

        var newer = await gs.SyncAsync("sync-b", Profile("sb-1", "Newest", version: 11));
        Assert.Equal((0, 1, 0), (newer.Inserted, newer.Updated, newer.SkippedStale));
        var player = (await Staff.GetPlayerAsync(new GetPlayerRequest { PlayerId = "sb-1" })).Player;
        Assert.Equal(("Newest", 11L), (player.CharacterName, player.Version));
    }

    [Fact]
    public async Task A_sync_never_moves_a_player_to_another_game_server_whatever_its_version()
    {
        var from = await GameServerAsync("sync-from");
        var to = await GameServerAsync("sync-to");
        await from.SyncAsync("sync-from", Profile("mover", "Mover", version: 5));

        var claimed = await to.SyncAsync("sync-to", Profile("mover", "Mover", version: 6));
        Assert.Equal(("players[0]", "mover"), (claimed.Refused.Single().Field, claimed.Refused.Single().PlayerId));
        Assert.Equal(0, claimed.Updated);
        Assert.Equal(1, (await from.SyncAsync("sync-from", Profile("mover", "Mover", version: 6))).Updated);

        Assert.Equal("sync-from", (await Staff.GetPlayerAsync(new GetPlayerRequest { PlayerId = "mover" })).Player.GameServerId);
    }

    [Fact]
    public async Task A_batch_with_one_bad_row_names_the_row_and_writes_nothing()
    {
        var gs = await GameServerAsync("sync-c");
        var batch = Enumerable.Range(0, 5).Select(i => Profile($"sc-{i}", $"Fine{i}")).ToArray();
        batch[3].CharacterName = new string('x', 65);
        batch[4].Version = 0;

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await gs.SyncAsync("sync-c", batch));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["players[3].character_name", "players[4].version"], ex.ViolatedFields());

        var search = await Staff.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "Fine" });
        Assert.Empty(search.Players);
    }

    [Fact]
    public async Task Duplicates_and_oversized_batches_are_refused()
    {
        var gs = await GameServerAsync("sync-d");
        var dup = await Assert.ThrowsAsync<RpcException>(async () =>
            await gs.SyncAsync("sync-d", Profile("sd-1", "A"), Profile("sd-1", "B", version: 2)));
        Assert.Equal(["players[1].player_id"], dup.ViolatedFields());

        var tooMany = Enumerable.Range(0, 1001).Select(i => Profile($"sd-big-{i}", "Big")).ToArray();
        var big = await Assert.ThrowsAsync<RpcException>(async () => await gs.SyncAsync("sync-d", tooMany));
        Assert.Equal(["players"], big.ViolatedFields());
    }

    [Fact]
    public async Task A_game_server_cannot_sync_for_another_game_server()
    {
        await fx.GameServerCredentialAsync("sync-victim");
        var gs = await GameServerAsync("sync-e");
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await gs.SyncAsync("sync-victim", Profile("se-1", "Hijack")));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        await Assert.ThrowsAsync<RpcException>(async () => await Staff.GetPlayerAsync(new GetPlayerRequest { PlayerId = "se-1" }));
    }

    [Fact]
    public async Task Staff_cannot_sync()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Staff.SyncAsync("sync-a", Profile("st-1", "Staff")));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task Syncs_write_no_audit_records()
    {
        var gs = await GameServerAsync("sync-f");
        await gs.SyncAsync("sync-f", Profile("sf-1", "Quiet"));
        var audit = new AuditService.AuditServiceClient(fx.StaffChannel("sam", Role.Supervisor));
        var records = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PlayerId = "sf-1" });
        Assert.Empty(records.Records);
    }
}

public sealed class DemoPlayersTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_demo_world_seeds_the_same_players_every_time()
    {
        for (var run = 0; run < 2; run++)
        {
            await using var scope = fx.Server.Services.CreateAsyncScope();
            await Demo.DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
        }
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Persistence.GmToolsDbContext>();
            var perServer = await db.Set<Server.Players.Player>().GroupBy(p => p.GameServerId)
                .Select(g => new { g.Key, Count = g.Count(), MaxVersion = g.Max(p => p.Version) }).OrderBy(g => g.Key).ToListAsync();
            Assert.Equal(["s1", "s2", "s3"], perServer.Select(g => g.Key));
            Assert.All(perServer, g => Assert.Equal(
                (Server.Players.DemoPlayers.PerServer + Demo.DemoStory.Players.Count(p => p.GameServerId == g.Key), 1L), (g.Count, g.MaxVersion)));
        }
        var staff = new PlayerService.PlayerServiceClient(fx.StaffChannel("ada", Role.Admin));
        Assert.NotEmpty((await staff.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "张" })).Players);
    }
}
