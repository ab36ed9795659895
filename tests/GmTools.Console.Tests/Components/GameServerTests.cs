using Bunit;
using GmTools.Console.Components.Pages.GameServers;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

public sealed class GameServerTests : ComponentTest
{
    private readonly FakeGameServers _servers = new();
    private readonly FakeGameLinks _links = new();

    public GameServerTests()
    {
        Services.AddSingleton<GameServerService.GameServerServiceClient>(_servers);
        Services.AddSingleton<GameLinkService.GameLinkServiceClient>(_links);
        _links.Links.Add(new GameLink { GameServerId = "s1", Mode = GameLinkMode.Stream, ReplicaId = "replica-a", Backlog = 3, OldestPendingAge = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) });
    }

    private IRenderedComponent<GameServerList> RenderPage(Role role, string[] permissions)
    {
        SignedInAs(role, permissions);
        var cut = Render<GameServerList>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='gameserver-row']").Count));
        return cut;
    }

    private static string FieldText(IRenderedComponent<GameServerList> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void The_list_shows_each_servers_link_and_backlog()
    {
        var cut = RenderPage(Role.Admin, AdminPermissions);
        var s1 = cut.Find("[data-testid='gameserver-row'][data-game-server-id='s1']");
        Assert.Equal(("Stream", "3"), (s1.GetAttribute("data-link"), s1.GetAttribute("data-backlog")));
        Assert.Contains("replica-a", s1.TextContent, StringComparison.Ordinal);
        Assert.Contains("5 min", s1.TextContent, StringComparison.Ordinal);
        var s2 = cut.Find("[data-testid='gameserver-row'][data-game-server-id='s2']");
        Assert.Equal(("Disconnected", "0"), (s2.GetAttribute("data-link"), s2.GetAttribute("data-backlog")));
    }

    [Fact]
    public void Registering_shows_the_credential_once_and_never_again()
    {
        var cut = RenderPage(Role.Admin, AdminPermissions);
        cut.Find("[data-testid='register-id']").Change("asia-3");
        cut.Find("[data-testid='register-name']").Change("亚洲三区");
        cut.Find("[data-testid='register-reason']").Input("new shard");
        cut.Find("[data-testid='register-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("GameServer asia-3.secret-1", cut.Find("[data-testid='credential']").TextContent));
        Assert.Equal(("asia-3", "亚洲三区", "new shard"), (_servers.Registered[0].GameServerId, _servers.Registered[0].DisplayName, _servers.Registered[0].Reason));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid='gameserver-row']").Count));

        cut.Find("[data-testid='credential-dismiss']").Click();
        Assert.Empty(cut.FindAll("[data-testid='credential']"));
        Assert.DoesNotContain("secret-1", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_id_is_marked_and_nothing_is_registered()
    {
        var cut = RenderPage(Role.Admin, AdminPermissions);
        cut.Find("[data-testid='register-id']").Change("Asia 3");
        cut.Find("[data-testid='register-name']").Change("x");
        cut.Find("[data-testid='register-reason']").Input("new shard");
        cut.Find("[data-testid='register-panel'] form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("lower-case letter first", FieldText(cut, "register-id"), StringComparison.Ordinal));
        Assert.Empty(_servers.Registered);
    }

    [Fact]
    public void Rotating_needs_a_reason_and_shows_the_new_credential_once()
    {
        var cut = RenderPage(Role.Admin, AdminPermissions);
        cut.Find("[data-testid='rotate-s2']").Click();
        cut.Find("[data-testid='rotate-submit']").Click();
        cut.Find("[data-testid='rotate-reason']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Contains("Required", FieldText(cut, "rotate-reason"), StringComparison.Ordinal));
        Assert.Empty(_servers.Rotated);

        cut.Find("[data-testid='rotate-reason']").Input("credential leaked in a ticket");
        cut.Find("[data-testid='rotate-reason']").Closest("form")!.Submit();
        cut.WaitForAssertion(() => Assert.Equal("GameServer s2.rotated-1", cut.Find("[data-testid='credential']").TextContent));
        Assert.Equal(("s2", "credential leaked in a ticket"), (_servers.Rotated[0].GameServerId, _servers.Rotated[0].Reason));
        Assert.Empty(cut.FindAll("[data-testid='rotate-reason']"));
    }

    [Theory]
    [InlineData(Role.Supervisor)]
    [InlineData(Role.Viewer)]
    public void Only_admins_are_offered_register_and_rotate(Role role)
    {
        var cut = RenderPage(role, role == Role.Supervisor ? SupervisorPermissions : ViewerPermissions);
        Assert.Empty(cut.FindAll("[data-testid='register-panel']"));
        Assert.Empty(cut.FindAll("[data-testid^='rotate-']"));
    }
}
