using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Authorization;

public sealed class DenialFixture : ServerFixture
{
    public const int Burst = 30;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:RateLimits:StaffPerSecond"] = "0.001",
        ["GmTools:RateLimits:StaffBurst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Scenario 7: refusals are rate-limited before anything is written and recorded one row per caller, permission and minute.</summary>
public sealed class DenialRecordTests(DenialFixture fx) : IClassFixture<DenialFixture>
{
    private Task<long> DeniedAuditAsync(string actor) => fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'access.denied' AND actor = @a", ("a", actor));

    private Task<long> CountedAsync(string actor) => fx.ScalarAsync("SELECT coalesce(sum(count), 0) FROM access_denials WHERE actor = @a", ("a", actor));

    [Fact]
    public async Task A_viewer_looping_on_a_forbidden_call_writes_one_record_a_minute_with_a_count_and_is_then_throttled()
    {
        var viewer = new AuditService.AuditServiceClient(fx.StaffChannel("loop-viewer", Role.Viewer));
        for (var i = 0; i < 10; i++)
        {
            await RefusedAsync(async () => await viewer.ListAuditRecordsAsync(new ListAuditRecordsRequest()), StatusCode.PermissionDenied);
        }
        Assert.Equal(1, await DeniedAuditAsync("loop-viewer"));
        Assert.Equal(10, await CountedAsync("loop-viewer"));

        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            await RefusedAsync(async () => await viewer.ListAuditRecordsAsync(new ListAuditRecordsRequest()), StatusCode.PermissionDenied);
        }
        Assert.Equal(2, await DeniedAuditAsync("loop-viewer"));
        Assert.Equal(20, await CountedAsync("loop-viewer"));
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM access_denials WHERE actor = 'loop-viewer' AND permission = 'audit.read'"));

        // The bucket is spent by refused calls too: the rest are throttled before anything is written.
        for (var i = 20; i < DenialFixture.Burst; i++)
        {
            await RefusedAsync(async () => await viewer.ListAuditRecordsAsync(new ListAuditRecordsRequest()), StatusCode.PermissionDenied);
        }
        await RefusedAsync(async () => await viewer.ListAuditRecordsAsync(new ListAuditRecordsRequest()), StatusCode.ResourceExhausted);
        Assert.Equal(DenialFixture.Burst, await CountedAsync("loop-viewer"));
    }

    [Fact]
    public async Task An_object_level_refusal_is_recorded_the_same_compact_way()
    {
        var admin = new GameServerService.GameServerServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("scoped-adm", ["den-a"], Role.Admin)));
        for (var i = 0; i < 3; i++)
        {
            await RefusedAsync(async () => await admin.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "den-new", DisplayName = "x", Reason = "mine" }), StatusCode.PermissionDenied);
        }
        Assert.Equal(1, await DeniedAuditAsync("scoped-adm"));
        Assert.Equal(3, await fx.ScalarAsync("SELECT count FROM access_denials WHERE actor = 'scoped-adm' AND permission = 'gameservers.manage'"));
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM game_servers WHERE game_server_id = 'den-new'"));
    }
}
