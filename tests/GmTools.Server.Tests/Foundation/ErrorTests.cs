using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

public sealed class RateLimitedFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:RateLimits:StaffPerSecond"] = "1",
        ["GmTools:RateLimits:StaffBurst"] = "3",
    };
}

public sealed class ErrorTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Bad_input_names_every_bad_field_and_writes_nothing()
    {
        var admin = new GameServerService.GameServerServiceClient(fx.StaffChannel("ada", Role.Admin));
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "Bad Id!", DisplayName = "", Reason = "" }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal(["game_server_id", "display_name", "reason"], badRequest.FieldViolations.Select(v => v.Field));

        var list = await admin.ListGameServersAsync(new ListGameServersRequest());
        Assert.DoesNotContain(list.GameServers, g => g.DisplayName == "");
        var audit = new AuditService.AuditServiceClient(fx.StaffChannel("sam", Role.Supervisor));
        var records = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { Action = "gameserver.register", PageSize = 500 });
        Assert.DoesNotContain(records.Records, r => r.TargetId == "Bad Id!");
    }

    [Fact]
    public async Task Registering_a_game_server_twice_is_already_exists()
    {
        var admin = new GameServerService.GameServerServiceClient(fx.StaffChannel("ada", Role.Admin));
        var first = await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "dup-1", DisplayName = "Dup", Reason = "launch" });
        Assert.StartsWith("GameServer dup-1.", first.Credential, StringComparison.Ordinal);
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "dup-1", DisplayName = "Dup", Reason = "again" }));
        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
    }

    [Fact]
    public async Task Out_of_range_page_size_and_foreign_page_tokens_are_invalid_arguments()
    {
        var audit = new AuditService.AuditServiceClient(fx.StaffChannel("sam", Role.Supervisor));
        var size = await Assert.ThrowsAsync<RpcException>(async () => await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 10_000 }));
        Assert.Equal(StatusCode.InvalidArgument, size.StatusCode);
        Assert.Contains("page_size", size.Status.Detail, StringComparison.Ordinal);
        var token = await Assert.ThrowsAsync<RpcException>(async () => await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageToken = "bm90LWEtbnVtYmVy" }));
        Assert.Equal(StatusCode.InvalidArgument, token.StatusCode);
    }

    [Fact]
    public async Task A_rotated_credential_replaces_the_old_one()
    {
        var old = await fx.GameServerCredentialAsync("rot-1");
        var fresh = await fx.GameServerCredentialAsync("rot-1");
        var identity = (string c) => new IdentityService.IdentityServiceClient(fx.Channel(c));
        await identity(fresh).WhoAmIAsync(new WhoAmIRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await identity(old).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }
}

public sealed class RateLimitTests(RateLimitedFixture fx) : IClassFixture<RateLimitedFixture>
{
    [Fact]
    public async Task A_caller_over_its_rate_gets_resource_exhausted_until_the_bucket_refills()
    {
        var client = new IdentityService.IdentityServiceClient(fx.StaffChannel("busy", Role.Viewer));
        for (var i = 0; i < 3; i++)
        {
            await client.WhoAmIAsync(new WhoAmIRequest());
        }
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);

        // Another caller has its own bucket.
        await new IdentityService.IdentityServiceClient(fx.StaffChannel("calm", Role.Viewer)).WhoAmIAsync(new WhoAmIRequest());

        fx.Clock.Advance(TimeSpan.FromSeconds(2));
        await client.WhoAmIAsync(new WhoAmIRequest());
    }
}
