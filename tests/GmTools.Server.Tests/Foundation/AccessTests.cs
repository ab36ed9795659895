using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

public sealed class AccessTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated()
    {
        var client = new IdentityService.IdentityServiceClient(fx.Channel());
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task A_valid_token_reports_its_caller_and_permissions()
    {
        var client = new IdentityService.IdentityServiceClient(fx.StaffChannel("gus", Role.Gm));
        var me = await client.WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal("gus", me.Caller.Id);
        Assert.Equal([Contracts.V1.Role.Gm], me.Caller.Roles);
        Assert.Contains("sanctions.issue", me.Permissions);
        Assert.DoesNotContain("audit.read", me.Permissions);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_unauthenticated()
    {
        var forged = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "gmtools",
            Audience = "gmtools",
            Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["role"] = "Admin" },
            Expires = fx.Clock.GetUtcNow().UtcDateTime.AddHours(1),
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[48]), "HS256"),
        });
        var client = new IdentityService.IdentityServiceClient(fx.Channel("Bearer " + forged));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_unauthenticated_once_the_clock_passes_its_end()
    {
        var issuer = (Security.StaffTokenIssuer)fx.Server.Services.GetService(typeof(Security.StaffTokenIssuer))!;
        var token = "Bearer " + issuer.Issue("short-lived", [Role.Viewer], lifetime: TimeSpan.FromMinutes(10));
        var client = new IdentityService.IdentityServiceClient(fx.Channel(token));
        await client.WhoAmIAsync(new WhoAmIRequest());

        // Another class's clock is its own; this fixture's clock belongs to this class only.
        fx.Clock.Advance(TimeSpan.FromMinutes(11));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task A_role_without_the_permission_is_denied_and_the_refusal_is_audited()
    {
        var viewer = new AuditService.AuditServiceClient(fx.StaffChannel("vic.viewer", Role.Viewer));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await viewer.ListAuditRecordsAsync(new ListAuditRecordsRequest()));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);

        var supervisor = new AuditService.AuditServiceClient(fx.StaffChannel("sam", Role.Supervisor));
        var records = await supervisor.ListAuditRecordsAsync(new ListAuditRecordsRequest { Actor = "vic.viewer" });
        var denied = Assert.Single(records.Records);
        Assert.Equal("access.denied", denied.Action);
        Assert.Equal(AuditOutcome.Denied, denied.Outcome);
        Assert.Equal("/gmtools.v1.AuditService/ListAuditRecords", denied.TargetId);
    }

    [Fact]
    public async Task A_game_server_credential_cannot_do_staff_work()
    {
        var credential = await fx.GameServerCredentialAsync("gs-access");
        var me = await new IdentityService.IdentityServiceClient(fx.Channel(credential)).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal("gs-access", me.Caller.GameServerId);

        var registry = new GameServerService.GameServerServiceClient(fx.Channel(credential));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await registry.ListGameServersAsync(new ListGameServersRequest()));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task A_wrong_game_server_secret_is_unauthenticated()
    {
        var credential = await fx.GameServerCredentialAsync("gs-wrong");
        var tampered = credential[..^4] + (credential.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000");
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await new IdentityService.IdentityServiceClient(fx.Channel(tampered)).WhoAmIAsync(new WhoAmIRequest()));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }
}
