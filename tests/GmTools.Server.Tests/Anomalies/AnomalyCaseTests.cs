using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static GmTools.Server.Tests.Anomalies.AnomalyKit;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Anomalies;

/// <summary>A guard rail of two players a minute, so that a ring of three needs a supervisor's approval.</summary>
public sealed class AnomalyCaseFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Sanctions:GuardRailPlayersPerMinute"] = "2",
    };
}

public sealed class AnomalyCaseTests(AnomalyCaseFixture fx) : IClassFixture<AnomalyCaseFixture>
{
    private static readonly Duration TenMinutes = Duration.FromTimeSpan(TimeSpan.FromMinutes(10));

    private static AnomalyThreshold Case(int count, AnomalySeverity min = AnomalySeverity.Unspecified) =>
        new() { Count = count, Window = TenMinutes, Action = AnomalyAction.OpenCase, MinSeverity = min };

    private static AnomalyThreshold Ban(int count) =>
        new() { Count = count, Window = TenMinutes, Action = AnomalyAction.TemporaryBan, BanDuration = Duration.FromTimeSpan(TimeSpan.FromDays(3)) };

    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private static async Task<ReportAnomaliesResponse> SendAsync(AnomalyService.AnomalyServiceClient client, string gs, params AnomalyReportIn[] reports) =>
        await client.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = gs, Reports = { reports } });

    private AnomalyReportIn At(string id, string player, string kind, AnomalySeverity severity = AnomalySeverity.Unspecified)
    {
        var r = Report(id, player, kind, at: Now.AddSeconds(-30));
        r.Severity = severity;
        return r;
    }

    [Fact]
    public async Task Concurrent_reports_on_two_replicas_open_exactly_one_case_and_later_reports_join_it()
    {
        const string gs = "ac-two";
        await fx.EnsureKindAsync(Kind("wallhack", Case(3)));
        await fx.AddPlayerAsync("p-two", gs);
        var credential = await fx.GameServerCredentialAsync(gs);
        var b = fx.AddReplica();
        var viaA = new AnomalyService.AnomalyServiceClient(fx.Server.Channel(credential));
        var viaB = new AnomalyService.AnomalyServiceClient(b.Channel(credential));
        var sends = Enumerable.Range(0, 8).Select(i => SendAsync(i % 2 == 0 ? viaA : viaB, gs, At($"two-{i}", "p-two", "wallhack"))).ToList();
        var results = await Task.WhenAll(sends);
        Assert.Equal(1, results.Sum(r => r.CasesOpened));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM anomaly_cases WHERE player_id = 'p-two'"));
        Assert.Equal(8, await fx.ScalarAsync("SELECT count(*) FROM anomaly_reports WHERE player_id = 'p-two' AND case_id IS NOT NULL"));
        Assert.Equal(8, await fx.ScalarAsync("SELECT report_count FROM anomaly_cases WHERE player_id = 'p-two'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.case.open' AND player_id = 'p-two'"));
    }

    [Fact]
    public async Task A_ban_threshold_bans_once_as_the_system_with_the_reports_as_evidence_even_on_two_replicas()
    {
        const string gs = "ac-ban";
        await fx.EnsureKindAsync(Kind("teleport_hack", Ban(2)));
        await fx.AddPlayerAsync("p-ban", gs);
        var credential = await fx.GameServerCredentialAsync(gs);
        var b = fx.AddReplica();
        var viaA = new AnomalyService.AnomalyServiceClient(fx.Server.Channel(credential));
        var viaB = new AnomalyService.AnomalyServiceClient(b.Channel(credential));
        var results = await Task.WhenAll(
            SendAsync(viaA, gs, At("ban-1", "p-ban", "teleport_hack"), At("ban-2", "p-ban", "teleport_hack")),
            SendAsync(viaB, gs, At("ban-3", "p-ban", "teleport_hack"), At("ban-4", "p-ban", "teleport_hack")));
        Assert.Equal(1, results.Sum(r => r.SanctionsIssued));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-ban'"));
        var sanctionId = await fx.ScalarAsync("SELECT sanction_id FROM sanctions WHERE player_id = 'p-ban' AND kind = 'ban' AND issued_by = 'system'");
        Assert.True(await fx.ScalarAsync("SELECT cardinality(evidence_anomaly_report_ids) FROM sanctions WHERE sanction_id = @s", ("s", sanctionId)) >= 2);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM anomaly_cases WHERE player_id = 'p-ban' AND state = 'auto_banned' AND sanction_id = @s", ("s", sanctionId)));
        Assert.Contains((gs, "kick"), await fx.OutboxAsync(sanctionId));
    }

    [Fact]
    public async Task Confirm_issues_the_chosen_sanction_and_the_simulated_game_server_receives_the_kick()
    {
        const string gs = "ac-confirm";
        await fx.EnsureKindAsync(Kind("speed_run", Case(2)));
        await fx.AddPlayerAsync("p-conf", gs);
        var client = await fx.AnomalyServerAsync(gs);
        var sent = await SendAsync(client, gs, At("c-1", "p-conf", "speed_run", AnomalySeverity.High), At("c-2", "p-conf", "speed_run"));
        Assert.Equal(1, sent.CasesOpened);
        var gm = fx.AnomalyStaff("gm-conf", Role.Gm);
        var queue = await gm.ListAnomalyCasesAsync(new ListAnomalyCasesRequest { GameServerId = gs });
        var c = Assert.Single(queue.Cases);
        Assert.Equal(AnomalySeverity.High, c.Severity);
        var details = await gm.GetAnomalyCaseAsync(new GetAnomalyCaseRequest { CaseId = c.CaseId });
        Assert.Equal(2, details.Reports.Count);
        Assert.Equal(TimeSpan.FromDays(7), details.ProposedBan.ToTimeSpan());

        // a confirm without a sanction choice is refused and writes nothing
        var refused = await RefusedAsync(() => gm.ConfirmAnomalyCaseAsync(new ConfirmAnomalyCaseRequest { CaseId = c.CaseId, Note = "speed hack" }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["sanction"], refused.Fields());
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-conf'"));

        await gm.ClaimAnomalyCaseAsync(new ClaimAnomalyCaseRequest { CaseId = c.CaseId });
        await RefusedAsync(() => fx.AnomalyStaff("gm-other", Role.Gm).ClaimAnomalyCaseAsync(new ClaimAnomalyCaseRequest { CaseId = c.CaseId }).ResponseAsync, StatusCode.FailedPrecondition);
        await gm.AddAnomalyCaseNoteAsync(new AddAnomalyCaseNoteRequest { CaseId = c.CaseId, Text = "replayed the match: 3x speed" });
        var confirmed = await gm.ConfirmAnomalyCaseAsync(new ConfirmAnomalyCaseRequest
        {
            CaseId = c.CaseId, Note = "confirmed speed hack", IdempotencyKey = "conf-1",
            Sanction = new AnomalySanctionChoice { Kind = SanctionKind.Ban },
        });
        Assert.Equal(AnomalyCaseState.Confirmed, confirmed.Case.State);
        Assert.Equal(SanctionKind.Ban, confirmed.Sanction.Kind);
        Assert.Equal(2, confirmed.Sanction.Evidence.AnomalyReportIds.Count);
        var replay = await gm.ConfirmAnomalyCaseAsync(new ConfirmAnomalyCaseRequest
        {
            CaseId = c.CaseId, Note = "confirmed speed hack", IdempotencyKey = "conf-1",
            Sanction = new AnomalySanctionChoice { Kind = SanctionKind.Ban },
        });
        Assert.Equal(confirmed.Sanction.SanctionId, replay.Sanction.SanctionId);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-conf'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.case.confirm' AND target_id = @c", ("c", c.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // the game server pulls its commands as a simulated game server would: the kick is there
        var link = new GameLinkService.GameLinkServiceClient(fx.Server.Channel(await fx.GameServerCredentialAsync(gs)));
        var kicked = false;
        // Up to 30 s: the write-order horizon stops below any older transaction of this database still open,
        // and the suite's parallel load can keep one open a while.
        for (var i = 0; i < 600 && !kicked; i++)
        {
            var pulled = await link.PullCommandsAsync(new PullCommandsRequest { GameServerId = gs, MaxCommands = 10 });
            kicked = pulled.Commands.Any(cmd => cmd.Kick?.PlayerId == "p-conf");
            if (!kicked)
            {
                await Task.Delay(50);
            }
        }
        Assert.True(kicked, "the game server never received the kick");
        await RefusedAsync(() => gm.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = c.CaseId, Reason = "late" }).ResponseAsync, StatusCode.FailedPrecondition);
    }

    [Fact]
    public async Task Dismiss_closes_without_a_sanction_and_the_pattern_needs_more_reports_for_a_while()
    {
        const string gs = "ac-dismiss";
        await fx.EnsureKindAsync(Kind("odd_drops", Case(2)));
        await fx.AddPlayerAsync("p-dis", gs);
        var client = await fx.AnomalyServerAsync(gs);
        await SendAsync(client, gs, At("d-1", "p-dis", "odd_drops"), At("d-2", "p-dis", "odd_drops"));
        var gm = fx.AnomalyStaff("gm-dis", Role.Gm);
        var c = Assert.Single((await gm.ListAnomalyCasesAsync(new ListAnomalyCasesRequest { GameServerId = gs })).Cases);
        await RefusedAsync(() => gm.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = c.CaseId }).ResponseAsync, StatusCode.InvalidArgument);
        var dismissed = await gm.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = c.CaseId, Reason = "event drop rates were doubled" });
        Assert.Equal(AnomalyCaseState.Dismissed, dismissed.Case.State);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE player_id = 'p-dis'"));
        Assert.Empty((await gm.ListAnomalyCasesAsync(new ListAnomalyCasesRequest { GameServerId = gs })).Cases);

        // weight 2 (default): two more reports are no longer enough, four are
        var two = await SendAsync(client, gs, At("d-3", "p-dis", "odd_drops"), At("d-4", "p-dis", "odd_drops"));
        Assert.Equal(0, two.CasesOpened);
        var four = await SendAsync(client, gs, At("d-5", "p-dis", "odd_drops"), At("d-6", "p-dis", "odd_drops"));
        Assert.Equal(1, four.CasesOpened);
    }

    [Fact]
    public async Task A_ring_of_three_is_linked_on_the_case_and_sanctioned_in_one_approved_bulk_action()
    {
        const string gs = "ac-ring";
        await fx.EnsureKindAsync(Kind("gold_ring", Case(2)));
        foreach (var p in new[] { "p-farm-1", "p-farm-2", "p-farm-3" })
        {
            await fx.AddPlayerAsync(p, gs);
        }
        var client = await fx.AnomalyServerAsync(gs);
        var trade1 = At("r-1", "p-farm-1", "gold_ring");
        trade1.RelatedPlayerIds.Add("p-farm-2");
        var trade2 = At("r-2", "p-farm-1", "gold_ring");
        trade2.RelatedPlayerIds.Add("p-farm-3");
        var other = At("r-3", "p-farm-3", "gold_ring");
        other.RelatedPlayerIds.Add("p-farm-1");
        await SendAsync(client, gs, trade1, trade2, other);
        var gm = fx.AnomalyStaff("gm-ring", Role.Gm);
        var c = (await gm.ListAnomalyCasesAsync(new ListAnomalyCasesRequest { GameServerId = gs })).Cases.Single(x => x.PlayerId == "p-farm-1");
        var details = await gm.GetAnomalyCaseAsync(new GetAnomalyCaseRequest { CaseId = c.CaseId });
        Assert.Equal(["p-farm-2", "p-farm-3"], details.LinkedPlayers.Select(l => l.PlayerId));
        Assert.Single(details.LinkedPlayers.Single(l => l.PlayerId == "p-farm-3").Reports);

        var ring = new[] { c.PlayerId }.Concat(details.LinkedPlayers.Select(l => l.PlayerId)).ToArray();
        var sanctions = fx.Staff("gm-ring");
        var preview = await sanctions.PreviewBulkSanctionAsync(new PreviewBulkSanctionRequest
        {
            PlayerIds = { ring }, Kind = SanctionKind.Ban, Scope = OnServer(gs), End = For(TimeSpan.FromDays(30)), ReasonCode = "real_money_trade",
            Reason = $"gold-farming ring, anomaly case {c.CaseId}",
        });
        Assert.True(preview.NeedsApproval);
        await fx.Staff("sup-ring", Role.Supervisor).ApproveBulkSanctionAsync(new ApproveBulkSanctionRequest { PreviewToken = preview.PreviewToken, Note = "ring confirmed" });
        await sanctions.ExecuteBulkSanctionAsync(new ExecuteBulkSanctionRequest
        {
            PreviewToken = preview.PreviewToken,
            Content = new PreviewBulkSanctionRequest
            {
                PlayerIds = { ring }, Kind = SanctionKind.Ban, Scope = OnServer(gs), End = For(TimeSpan.FromDays(30)), ReasonCode = "real_money_trade",
                Reason = $"gold-farming ring, anomaly case {c.CaseId}",
            },
        });
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(DISTINCT player_id) FROM sanctions WHERE bulk_token = @t", ("t", preview.PreviewToken)));
    }

    [Fact]
    public async Task Statistics_count_a_known_set_per_kind_and_day()
    {
        const string gs = "ac-stats";
        await fx.EnsureKindAsync(Kind("stat_kind", Case(1)));
        foreach (var p in new[] { "p-st-1", "p-st-2", "p-st-3" })
        {
            await fx.AddPlayerAsync(p, gs);
        }
        var client = await fx.AnomalyServerAsync(gs);
        await SendAsync(client, gs, At("st-1", "p-st-1", "stat_kind"), At("st-2", "p-st-2", "stat_kind"), At("st-3", "p-st-3", "stat_kind"), At("st-4", "p-st-3", "stat_kind"));
        var gm = fx.AnomalyStaff("gm-st", Role.Gm);
        var cases = (await gm.ListAnomalyCasesAsync(new ListAnomalyCasesRequest { GameServerId = gs, Kind = "stat_kind" })).Cases.OrderBy(x => x.PlayerId).ToList();
        Assert.Equal(3, cases.Count);
        await gm.ConfirmAnomalyCaseAsync(new ConfirmAnomalyCaseRequest { CaseId = cases[0].CaseId, Note = "yes", Sanction = new AnomalySanctionChoice { Kind = SanctionKind.Ban } });
        await gm.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = cases[1].CaseId, Reason = "no" });
        await gm.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = cases[2].CaseId, Reason = "no" });
        var stats = await gm.GetAnomalyStatisticsAsync(new GetAnomalyStatisticsRequest { Kind = "stat_kind" });
        var day = Assert.Single(stats.Days);
        Assert.Equal(Now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), day.Day);
        Assert.Equal((4, 3, 1, 2, 0), (day.Reports, day.CasesOpened, day.CasesConfirmed, day.CasesDismissed, day.AutomaticActions));
        Assert.Equal(1.0 / 3, day.ConfirmRate, 6);
    }

    [Fact]
    public async Task Staff_scoped_to_another_server_see_no_case_and_cannot_decide_one()
    {
        const string gs = "ac-scope";
        await fx.EnsureKindAsync(Kind("scope_kind", Case(1)));
        await fx.AddPlayerAsync("p-sc", gs);
        var client = await fx.AnomalyServerAsync(gs);
        await SendAsync(client, gs, At("sc-1", "p-sc", "scope_kind"));
        var id = await fx.ScalarAsync("SELECT case_id FROM anomaly_cases WHERE player_id = 'p-sc'");
        var scoped = new AnomalyService.AnomalyServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("gm-sc", ["elsewhere"], Role.Gm)));
        Assert.Empty((await scoped.ListAnomalyCasesAsync(new ListAnomalyCasesRequest())).Cases);
        await RefusedAsync(() => scoped.GetAnomalyCaseAsync(new GetAnomalyCaseRequest { CaseId = id }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.ClaimAnomalyCaseAsync(new ClaimAnomalyCaseRequest { CaseId = id }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.DismissAnomalyCaseAsync(new DismissAnomalyCaseRequest { CaseId = id, Reason = "x" }).ResponseAsync, StatusCode.NotFound);
        Assert.Equal("open", await fx.ScalarTextAsync("SELECT state FROM anomaly_cases WHERE case_id = " + id));
    }
}
