using GmTools.Contracts.V1;
using Grpc.Core;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.GameLink;

public sealed class GameLinkPermissionTests(GameLinkFixture fx) : IClassFixture<GameLinkFixture>
{
    [Fact]
    public async Task A_game_server_cannot_connect_pull_or_ack_as_another_game_server()
    {
        var mine = await fx.GameServerCredentialAsync("gl-mine");
        await fx.GameServerCredentialAsync("gl-theirs");
        var theirs = await EnqueueAsync(fx.Server, "gl-theirs", 1);
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(mine));

        using (var call = client.Connect())
        {
            await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new GameLinkHello { GameServerId = "gl-theirs" } });
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        }
        var pull = await Assert.ThrowsAsync<RpcException>(async () => await client.PullCommandsAsync(new PullCommandsRequest { GameServerId = "gl-theirs" }));
        Assert.Equal(StatusCode.PermissionDenied, pull.StatusCode);
        var ack = await Assert.ThrowsAsync<RpcException>(async () => await client.AckCommandsAsync(new AckCommandsRequest
        {
            GameServerId = "gl-theirs",
            Acks = { new CommandAck { CommandId = theirs[0], Success = true } },
        }));
        Assert.Equal(StatusCode.PermissionDenied, ack.StatusCode);

        // Acking another server's command id under one's own id settles nothing.
        var own = await client.AckCommandsAsync(new AckCommandsRequest { GameServerId = "gl-mine", Acks = { new CommandAck { CommandId = theirs[0], Success = true } } });
        Assert.Equal(0, own.Settled);
        Assert.Null((await RowsAsync(fx.Server, "gl-theirs")).Single().Outcome);
    }

    [Fact]
    public async Task Staff_cannot_open_a_game_link()
    {
        var staff = new GameLinkService.GameLinkServiceClient(fx.StaffChannel("ada", Role.Admin));
        using var call = staff.Connect();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new GameLinkHello { GameServerId = "gl-mine" } });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task The_first_message_must_be_a_hello()
    {
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(await fx.GameServerCredentialAsync("gl-nohello")));
        using var call = client.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Heartbeat = new GameLinkHeartbeat() });
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }
}
