using GmTools.Contracts.V1;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Authorization;

/// <summary>Scenario 5: an approver reads exactly what it approves, and must see every target.</summary>
public sealed class BulkSanctionScopeTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    private SanctionService.SanctionServiceClient Supervisor(params string[] scope) =>
        new(scope.Length == 0 ? fx.StaffChannel("sup-bulk", Role.Supervisor) : fx.Server.Channel(fx.Server.ScopedStaffToken("sup-bulk-" + string.Join("-", scope), scope, Role.Supervisor)));

    private static PreviewBulkSanctionRequest BulkBan(SanctionScope scope, params string[] players) => new()
    {
        PlayerIds = { players },
        Kind = SanctionKind.Ban,
        Scope = scope,
        End = For(TimeSpan.FromDays(7)),
        ReasonCode = "botting",
        Reason = "bot ring, report 42",
        TicketRef = "T-42",
    };

    private async Task<string> PreviewAsync(PreviewBulkSanctionRequest request) =>
        (await fx.Staff("gm-bulk").PreviewBulkSanctionAsync(request)).PreviewToken;

    private Task<long> ApprovedAsync(string token) => fx.ScalarAsync("SELECT count(*) FROM sanction_bulk_previews WHERE token = @t AND approved_by IS NOT NULL", ("t", token));

    [Fact]
    public async Task A_supervisor_scoped_elsewhere_neither_reads_nor_approves_and_one_in_scope_reads_exactly_what_it_approves()
    {
        await fx.GameServerAsync("b5-a");
        await fx.GameServerAsync("b5-b");
        var players = Enumerable.Range(1, SanctionsFixture.GuardRail + 1).Select(i => $"p-b5-{i}").ToArray();
        foreach (var p in players)
        {
            await fx.AddPlayerAsync(p, "b5-a");
        }
        var token = await PreviewAsync(BulkBan(OnServer("b5-a"), players));

        var elsewhere = Supervisor("b5-b");
        await RefusedAsync(async () => await elsewhere.GetBulkSanctionAsync(new GetBulkSanctionRequest { PreviewToken = token }), StatusCode.NotFound);
        await RefusedAsync(async () => await elsewhere.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = token, Note = "ok" }), StatusCode.NotFound);
        Assert.DoesNotContain((await elsewhere.ListBulkSanctionsAsync(new ListBulkSanctionsRequest())).BulkSanctions, b => b.PreviewToken == token);
        Assert.Equal(0, await ApprovedAsync(token));

        var inScope = Supervisor("b5-a");
        var shown = (await inScope.GetBulkSanctionAsync(new GetBulkSanctionRequest { PreviewToken = token })).BulkSanction;
        Assert.Equal(players.Order(StringComparer.Ordinal), shown.PlayerIds.Order(StringComparer.Ordinal));
        Assert.Equal(["b5-a"], shown.PlayerGameServerIds);
        Assert.Equal((SanctionKind.Ban, "b5-a", TimeSpan.FromDays(7)), (shown.Kind, shown.Scope.GameServerId, shown.End.Duration.ToTimeSpan()));
        Assert.Equal(("botting", "bot ring, report 42", "T-42", "gm-bulk"), (shown.ReasonCode, shown.Reason, shown.TicketRef, shown.RequestedBy));
        Assert.True(shown.NeedsApproval);
        var pending = await inScope.ListBulkSanctionsAsync(new ListBulkSanctionsRequest { AwaitingApprovalOnly = true });
        Assert.Contains(pending.BulkSanctions, b => b.PreviewToken == token && b.Reason == shown.Reason);

        await inScope.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = token, Note = "checked the list" });
        Assert.Equal(1, await ApprovedAsync(token));
        Assert.DoesNotContain((await inScope.ListBulkSanctionsAsync(new ListBulkSanctionsRequest { AwaitingApprovalOnly = true })).BulkSanctions, b => b.PreviewToken == token);
    }

    [Fact]
    public async Task The_approver_must_cover_every_target_all_servers_mixed_servers_and_players_who_moved()
    {
        await fx.GameServerAsync("b6-a");
        await fx.GameServerAsync("b6-b");
        var players = Enumerable.Range(1, SanctionsFixture.GuardRail + 1).Select(i => $"p-b6-{i}").ToArray();
        foreach (var p in players)
        {
            await fx.AddPlayerAsync(p, "b6-a");
        }
        var scoped = Supervisor("b6-a");

        var everywhere = await PreviewAsync(BulkBan(AllServers, players));
        await RefusedAsync(async () => await scoped.GetBulkSanctionAsync(new GetBulkSanctionRequest { PreviewToken = everywhere }), StatusCode.NotFound);
        await RefusedAsync(async () => await scoped.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = everywhere, Note = "ok" }), StatusCode.NotFound);
        Assert.Equal(0, await ApprovedAsync(everywhere));

        await fx.AddPlayerAsync("p-b6-other", "b6-b");
        var mixed = await PreviewAsync(BulkBan(OnServer("b6-a"), [.. players, "p-b6-other"]));
        await RefusedAsync(async () => await scoped.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = mixed, Note = "ok" }), StatusCode.NotFound);
        Assert.Equal(0, await ApprovedAsync(mixed));

        var moved = await PreviewAsync(BulkBan(OnServer("b6-a"), players));
        await fx.ScalarAsync("UPDATE players SET game_server_id = 'b6-b' WHERE player_id = 'p-b6-1' RETURNING 1");
        await RefusedAsync(async () => await scoped.ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = moved, Note = "ok" }), StatusCode.PermissionDenied);
        Assert.Equal(0, await ApprovedAsync(moved));

        await Supervisor().ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = everywhere, Note = "unscoped" });
        Assert.Equal(1, await ApprovedAsync(everywhere));
        var all = await Supervisor().ListBulkSanctionsAsync(new ListBulkSanctionsRequest { PageSize = 1 });
        Assert.Single(all.BulkSanctions);
        Assert.NotEmpty(all.NextPageToken);
        var next = await Supervisor().ListBulkSanctionsAsync(new ListBulkSanctionsRequest { PageSize = 1, PageToken = all.NextPageToken });
        Assert.NotEqual(all.BulkSanctions[0].PreviewToken, next.BulkSanctions[0].PreviewToken);
    }
}
