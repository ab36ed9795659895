using System.Net;
using GmTools.Server.GameServers;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GmTools.Server.Tests.Authorization;

/// <summary>
/// A game server is authenticated once per connection (<see cref="GameServerAuthenticator"/>): the identity kept with
/// a connection serves only the very credential it was verified for, and only as long as a new connection would
/// accept it — a rotation on this replica ends it at once, one on another replica within the cache's TTL.
/// (TestServer has no connections, so these tests call the authenticator as Kestrel's pipeline does, with a connection
/// feature shared by the calls of one "connection".)
/// </summary>
public sealed class GameServerConnectionIdentityTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private sealed class Connection : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    }

    private GameServerAuthenticator Authenticator => fx.Server.Services.GetRequiredService<GameServerAuthenticator>();

    private async Task<string?> CallAsync(Connection connection, string authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
        context.Features.Set<IConnectionItemsFeature>(connection);
        var (principal, _) = await Authenticator.AuthenticateAsync(context);
        return principal is null ? null : Caller.FromPrincipal(principal)?.GameServerId;
    }

    [Fact]
    public async Task A_connection_is_verified_once_and_only_for_its_own_credential()
    {
        var good = await fx.GameServerCredentialAsync("conn-a");
        var connection = new Connection();
        var before = Authenticator.Verifications;
        Assert.Equal("conn-a", await CallAsync(connection, good));
        Assert.Equal("conn-a", await CallAsync(connection, good));
        Assert.Equal("conn-a", await CallAsync(connection, good));
        Assert.Equal(before + 1, Authenticator.Verifications);

        // Another secret on the same connection is verified for itself, and refused.
        var wrong = good[..^4] + (good.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000");
        Assert.Null(await CallAsync(connection, wrong));
        // Another connection is verified for itself.
        Assert.Equal("conn-a", await CallAsync(new Connection(), good));
        Assert.Equal(before + 3, Authenticator.Verifications);
    }

    [Fact]
    public async Task A_rotation_on_this_replica_ends_the_old_credential_on_an_open_connection_at_once()
    {
        var old = await fx.GameServerCredentialAsync("conn-b");
        var connection = new Connection();
        Assert.Equal("conn-b", await CallAsync(connection, old));

        var rotated = await fx.GameServerCredentialAsync("conn-b"); // rotates: the id exists
        Assert.Null(await CallAsync(connection, old));
        Assert.Equal("conn-b", await CallAsync(connection, rotated));
    }

    [Fact]
    public async Task A_rotation_on_another_replica_ends_the_old_credential_on_an_open_connection_within_the_cache_ttl()
    {
        var old = await fx.GameServerCredentialAsync("conn-c");
        var connection = new Connection();
        Assert.Equal("conn-c", await CallAsync(connection, old));

        var other = fx.AddReplica();
        await using (var scope = other.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GameServerRegistry>().RotateAsync("conn-c", "leaked", CancellationToken.None);
        }
        // This replica learns of it when its stored hash is read again: as for a new connection, within the TTL.
        Assert.Equal("conn-c", await CallAsync(connection, old));
        fx.Clock.Advance(new GameServerAuthOptions().CacheTtl);
        Assert.Null(await CallAsync(connection, old));
        Assert.Null(await CallAsync(new Connection(), old));
    }
}
