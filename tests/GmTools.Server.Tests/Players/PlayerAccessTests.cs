using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;
using static GmTools.Server.Tests.Players.PlayerTestData;

namespace GmTools.Server.Tests.Players;

/// <summary>Two game servers with one player each; staff scoped to one of them.</summary>
public sealed class AccessWorldFixture : ServerFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var a = new PlayerService.PlayerServiceClient(Channel(await GameServerCredentialAsync("acc-a")));
        var b = new PlayerService.PlayerServiceClient(Channel(await GameServerCredentialAsync("acc-b")));
        await a.SyncAsync("acc-a", Profile("pa-1", "Alpha", contact: "+86 138 0000 0001"), Profile("pa-2", "Alphonse", contact: "qq:10001"));
        await b.SyncAsync("acc-b", Profile("pb-1", "Albatross", contact: "+86 138 0000 0002"));
    }

    public PlayerService.PlayerServiceClient Players(string user, Role role, params string[] scope) =>
        new(Server.Channel(scope.Length == 0 ? Token(user, role) : Server.ScopedStaffToken(user, scope, role)));

    public Task<ListAuditRecordsResponse> AuditAsync(string playerId, string action) =>
        new AuditService.AuditServiceClient(StaffChannel("sam.audit", Role.Supervisor))
            .ListAuditRecordsAsync(new ListAuditRecordsRequest { PlayerId = playerId, Action = action, PageSize = 500 }).ResponseAsync;
}

public sealed class PlayerAccessTests(AccessWorldFixture fx) : IClassFixture<AccessWorldFixture>
{
    [Fact]
    public async Task A_scoped_viewer_cannot_see_another_servers_player_and_learns_nothing_of_its_existence()
    {
        var scoped = fx.Players("val.scoped", Role.Viewer, "acc-a");

        var hidden = await Assert.ThrowsAsync<RpcException>(async () => await scoped.GetPlayerAsync(new GetPlayerRequest { PlayerId = "pb-1" }));
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await scoped.GetPlayerAsync(new GetPlayerRequest { PlayerId = "pb-404" }));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(missing.Status.Detail.Replace("pb-404", "pb-1", StringComparison.Ordinal), hidden.Status.Detail);

        var dossier = await Assert.ThrowsAsync<RpcException>(async () => await scoped.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "pb-1" }));
        Assert.Equal(StatusCode.NotFound, dossier.StatusCode);

        var found = await scoped.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "al" });
        Assert.Equal(["pa-1", "pa-2"], found.Players.Select(p => p.PlayerId).Order());
        Assert.DoesNotContain((await scoped.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = "Albatros" })).Players, p => p.PlayerId == "pb-1");
        Assert.Empty((await scoped.SearchPlayersAsync(new SearchPlayersRequest { PlayerId = "pb-1" })).Players);
        Assert.Empty((await scoped.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "al", GameServerId = "acc-b" })).Players);

        var everyone = fx.Players("una.unscoped", Role.Viewer);
        Assert.Equal("acc-b", (await everyone.GetPlayerAsync(new GetPlayerRequest { PlayerId = "pb-1" })).Player.GameServerId);
    }

    [Fact]
    public async Task Contact_is_hidden_from_a_viewer()
    {
        var viewer = fx.Players("vera.viewer", Role.Viewer);
        var player = (await viewer.GetPlayerAsync(new GetPlayerRequest { PlayerId = "pa-2" })).Player;
        Assert.False(player.ContactIncluded);
        Assert.Equal("", player.Contact);
        var dossier = await viewer.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "pa-2" });
        Assert.Equal("", dossier.Player.Contact);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await viewer.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "alp", IncludeContact = true }));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.All((await viewer.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "alp" })).Players, p => Assert.Equal("", p.Contact));

        Assert.DoesNotContain((await fx.AuditAsync("pa-2", "player.read_contact")).Records, r => r.Actor == "vera.viewer");
    }

    [Fact]
    public async Task Contact_is_shown_to_an_agent_and_every_read_is_audited()
    {
        var agent = fx.Players("amy.agent", Role.Agent);
        var player = (await agent.GetPlayerAsync(new GetPlayerRequest { PlayerId = "pa-1" })).Player;
        Assert.True(player.ContactIncluded);
        Assert.Equal("+86 138 0000 0001", player.Contact);

        var reads = (await fx.AuditAsync("pa-1", "player.read_contact")).Records.Where(r => r.Actor == "amy.agent").ToList();
        var read = Assert.Single(reads);
        Assert.Equal(("player", "pa-1", "acc-a", "Agent"), (read.TargetType, read.TargetId, read.GameServerId, read.ActorRole));

        var found = await agent.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "alp", IncludeContact = true });
        Assert.Equal(["+86 138 0000 0001", "qq:10001"], found.Players.Select(p => p.Contact).Order());
        Assert.Equal(2, (await fx.AuditAsync("pa-1", "player.read_contact")).Records.Count(r => r.Actor == "amy.agent"));
        Assert.Single((await fx.AuditAsync("pa-2", "player.read_contact")).Records, r => r.Actor == "amy.agent");
    }

    [Fact]
    public async Task Notes_appear_in_the_dossier_newest_first_and_are_audited()
    {
        var agent = fx.Players("nat.agent", Role.Agent);
        await agent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = "pb-1", Kind = PlayerNoteKind.ContactPreference, Text = "Prefers calls after 20:00" });
        fx.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await agent.AddPlayerNoteAsync(new AddPlayerNoteRequest
        {
            PlayerId = "pb-1", Kind = PlayerNoteKind.ComplaintSummary, Text = "Lost a mount in the 11-20 outage", TicketRef = "T-77",
        });
        Assert.Equal("nat.agent", second.Note.Author);

        var dossier = await fx.Players("vic.viewer", Role.Viewer).GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "pb-1" });
        Assert.Equal("pb-1", dossier.Player.PlayerId);
        Assert.Equal(["Lost a mount in the 11-20 outage", "Prefers calls after 20:00"], dossier.Notes.Select(n => n.Text));
        Assert.Equal(PlayerNoteKind.ComplaintSummary, dossier.Notes[0].Kind);
        // Sections of capabilities not built yet are present and empty.
        Assert.Empty(dossier.ActiveSanctions);
        Assert.Empty(dossier.Grants);
        Assert.Empty(dossier.RecentChatLines);

        var noteRecords = (await fx.AuditAsync("pb-1", "player.note")).Records;
        Assert.Equal(2, noteRecords.Count);
        Assert.All(noteRecords, r => Assert.Equal("nat.agent", r.Actor));
        Assert.Contains(noteRecords, r => r.TicketRef == "T-77");
        Assert.Contains((await fx.AuditAsync("pb-1", "player.read_dossier")).Records, r => r.Actor == "vic.viewer");
    }

    [Fact]
    public async Task Notes_are_checked_permitted_and_scoped()
    {
        var viewer = fx.Players("vic2", Role.Viewer);
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await viewer.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = "pa-1", Kind = PlayerNoteKind.Other, Text = "x" }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var scopedAgent = fx.Players("sue.agent", Role.Agent, "acc-a");
        var hidden = await Assert.ThrowsAsync<RpcException>(async () =>
            await scopedAgent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = "pb-1", Kind = PlayerNoteKind.Other, Text = "x" }));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);

        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
            await scopedAgent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = "pa-1", Text = new string('n', 2001) }));
        Assert.Equal(["text", "kind"], bad.ViolatedFields());
        Assert.DoesNotContain((await fx.AuditAsync("pb-1", "player.note")).Records, r => r.Actor == "sue.agent");
    }
}
