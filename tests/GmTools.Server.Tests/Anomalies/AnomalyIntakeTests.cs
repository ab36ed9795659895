using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using static GmTools.Server.Tests.Anomalies.AnomalyKit;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Anomalies;

public sealed class AnomalyIntakeTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private async Task<AnomalyService.AnomalyServiceClient> ReadyAsync(string gs, params string[] players)
    {
        await fx.EnsureKindAsync(Kind("speed_hack"));
        var client = await fx.AnomalyServerAsync(gs);
        foreach (var p in players)
        {
            await fx.AddPlayerAsync(p, gs);
        }
        return client;
    }

    private Task<long> ReportsAsync(string gs) => fx.ScalarAsync("SELECT count(*) FROM anomaly_reports WHERE game_server_id = @gs", ("gs", gs));

    [Fact]
    public async Task A_replayed_report_id_is_accepted_once_in_one_call_across_calls_and_singly()
    {
        const string gs = "an-dedup";
        var client = await ReadyAsync(gs, "p-dd");
        var first = await client.ReportAnomaliesAsync(new ReportAnomaliesRequest
        {
            GameServerId = gs,
            Reports = { Report("d-1", "p-dd"), Report("d-2", "p-dd"), Report("d-1", "p-dd") },
        });
        Assert.Equal((2, 1, 0), (first.Accepted, first.Duplicates, first.Rejected));
        Assert.Equal([AnomalyReportOutcome.Accepted, AnomalyReportOutcome.Accepted, AnomalyReportOutcome.Duplicate], first.Results.Select(r => r.Outcome));
        var again = await client.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = gs, Reports = { Report("d-2", "p-dd"), Report("d-3", "p-dd") } });
        Assert.Equal((1, 1), (again.Accepted, again.Duplicates));
        Assert.Equal(first.Results[1].AnomalyId, again.Results[0].AnomalyId);
        var single = await client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("d-1", "p-dd") });
        Assert.Equal(AnomalyReportOutcome.Duplicate, single.Result.Outcome);
        Assert.Equal(first.Results[0].AnomalyId, single.Result.AnomalyId);
        Assert.Equal(3, await ReportsAsync(gs));
        // one compact audit record per call that stored something, naming the stored ids
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.report' AND game_server_id = @gs", ("gs", gs)));
        Assert.Equal(2, await fx.ScalarAsync("SELECT json_array_length(change->'anomalyIds') FROM audit_records WHERE action = 'anomaly.report' AND game_server_id = @gs ORDER BY id LIMIT 1", ("gs", gs)));
    }

    [Fact]
    public async Task A_report_is_stored_with_the_kinds_default_severity_evidence_and_related_players()
    {
        const string gs = "an-store";
        var client = await ReadyAsync(gs, "p-st");
        var report = Report("s-1", "p-st", evidence: """{"gold":100000,"from":"p-st-2"}""");
        report.RelatedPlayerIds.Add("p-st-2");
        report.Summary = "gold from nowhere";
        var result = await client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = report });
        Assert.Equal(AnomalyReportOutcome.Accepted, result.Result.Outcome);
        Assert.True(result.Result.AnomalyId > 0);
        Assert.Equal("medium", await fx.ScalarTextAsync("SELECT severity FROM anomaly_reports WHERE report_id = 's-1'"));
        Assert.Equal("100000", await fx.ScalarTextAsync("SELECT evidence->>'gold' FROM anomaly_reports WHERE report_id = 's-1'"));
        Assert.Equal("p-st-2", await fx.ScalarTextAsync("SELECT related_player_ids[1] FROM anomaly_reports WHERE report_id = 's-1'"));
        Assert.Equal(1, await fx.ScalarAsync("SELECT kind_version FROM anomaly_reports WHERE report_id = 's-1'"));
    }

    [Fact]
    public async Task Every_bad_report_in_a_batch_is_rejected_by_field_and_the_good_ones_are_stored()
    {
        const string gs = "an-bad";
        var client = await ReadyAsync(gs, "p-bad");
        await fx.AddPlayerAsync("p-elsewhere", "an-bad-other");
        var now = fx.Clock.GetUtcNow();
        var related = Report("b-8", "p-bad");
        related.RelatedPlayerIds.Add("p-bad");
        var response = await client.ReportAnomaliesAsync(new ReportAnomaliesRequest
        {
            GameServerId = gs,
            Reports =
            {
                Report("b-0", "p-bad"),
                Report("b-1", "p-bad", kind: "no_such_kind"),
                Report("b-2", "p-bad", evidence: "{\"blob\":\"" + new string('x', 8200) + "\"}"),
                Report("b-3", "p-bad", evidence: "not json {"),
                Report("b-4", "p-bad", at: now.AddHours(1)),
                Report("b-5", "p-elsewhere"),
                Report("b-6", "p-bad", evidence: "[1,2]"),
                Report("b-7", "p-bad", evidence: """{"x":"a\u0000b"}"""),
                related,
                Report("b-9", "nobody-at-all"),
            },
        });
        Assert.Equal((1, 9), (response.Accepted, response.Rejected));
        var fields = response.Results.Skip(1).Select(r => (r.Outcome, r.Field)).ToList();
        Assert.All(fields, f => Assert.Equal(AnomalyReportOutcome.Rejected, f.Outcome));
        Assert.Equal(
            ["reports[1].kind", "reports[2].evidence_json", "reports[3].evidence_json", "reports[4].occurred_at", "reports[5].player_id",
             "reports[6].evidence_json", "reports[7].evidence_json", "reports[8].related_player_ids", "reports[9].player_id"],
            fields.Select(f => f.Field));
        Assert.Contains("future", response.Results[4].Reason, StringComparison.Ordinal);
        Assert.Contains("unknown anomaly kind", response.Results[1].Reason, StringComparison.Ordinal);
        Assert.Equal(1, await ReportsAsync(gs));
    }

    [Fact]
    public async Task A_single_bad_report_is_refused_with_a_clear_status_and_nothing_is_written()
    {
        const string gs = "an-single";
        var client = await ReadyAsync(gs, "p-sg");
        await fx.AddPlayerAsync("p-sg-other", "an-single-other");
        var audits = await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.report'");

        var unknown = await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("x-1", "p-sg", kind: "warp_drive") }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["report.kind"], unknown.Fields());
        var big = await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("x-2", "p-sg", evidence: "{\"a\":\"" + new string('y', 9000) + "\"}") }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["report.evidence_json"], big.Fields());
        var future = await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("x-3", "p-sg", at: fx.Clock.GetUtcNow().AddMinutes(6)) }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["report.occurred_at"], future.Fields());
        var year = Report("x-4", "p-sg");
        year.OccurredAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 253_402_300_800 * 10 };
        await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = year }).ResponseAsync, StatusCode.InvalidArgument);
        await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("x-5", "p-sg-other") }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = "an-single-other", Report = Report("x-6", "p-sg-other") }).ResponseAsync, StatusCode.PermissionDenied);
        await RefusedAsync(() => client.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = "an-single-other", Reports = { Report("x-7", "p-sg-other") } }).ResponseAsync, StatusCode.PermissionDenied);
        var tooMany = new ReportAnomaliesRequest { GameServerId = gs };
        tooMany.Reports.AddRange(Enumerable.Range(0, 501).Select(i => Report($"m-{i}", "p-sg")));
        await RefusedAsync(() => client.ReportAnomaliesAsync(tooMany).ResponseAsync, StatusCode.InvalidArgument);
        // staff do not report anomalies, not even admins
        await RefusedAsync(() => fx.AnomalyStaff("adm-rep").ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("x-8", "p-sg") }).ResponseAsync, StatusCode.PermissionDenied);

        Assert.Equal(0, await ReportsAsync(gs));
        Assert.Equal(0, await ReportsAsync("an-single-other"));
        Assert.Equal(audits, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.report'"));
    }

    [Fact]
    public async Task Kinds_are_versioned_audited_and_changed_only_by_unscoped_admins()
    {
        var admin = fx.AnomalyStaff("adm-k");
        var threshold = new AnomalyThreshold { Count = 3, Window = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase };
        var v1 = (await admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport", threshold), Note = "first", IdempotencyKey = "k-tp-1" })).Kind;
        Assert.Equal(1, v1.Version);
        var replay = (await admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport", threshold), Note = "first", IdempotencyKey = "k-tp-1" })).Kind;
        Assert.Equal(1, replay.Version);
        await RefusedAsync(() => admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport"), Note = "again" }).ResponseAsync, StatusCode.AlreadyExists);
        var ban = new AnomalyThreshold { MinSeverity = AnomalySeverity.High, Count = 1, Window = threshold.Window, Action = AnomalyAction.TemporaryBan, BanDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(3)) };
        var v2 = (await admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport", threshold, ban), ExpectedVersion = 1, Note = "ban the blatant" })).Kind;
        Assert.Equal(2, v2.Version);
        Assert.Equal(AnomalyAction.TemporaryBan, v2.Spec.Thresholds[1].Action);
        await RefusedAsync(() => admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport"), ExpectedVersion = 1, Note = "stale" }).ResponseAsync, StatusCode.FailedPrecondition);
        Assert.Single((await admin.GetAnomalyKindAsync(new GetAnomalyKindRequest { Name = "teleport", Version = 1 })).Kind.Spec.Thresholds);
        Assert.Equal(2, (await admin.GetAnomalyKindAsync(new GetAnomalyKindRequest { Name = "teleport" })).Kind.Version);
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'anomaly.kind.put' AND target_id = 'teleport'"));

        var bad = await RefusedAsync(() => admin.PutAnomalyKindAsync(new PutAnomalyKindRequest
        {
            Kind = new AnomalyKindSpec { Name = "Bad Name", Thresholds = { new AnomalyThreshold { Count = 0, Action = AnomalyAction.TemporaryBan } } },
        }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["kind.name", "kind.default_severity", "kind.thresholds[0].count", "kind.thresholds[0].window", "kind.thresholds[0].ban_duration", "note"], bad.Fields());

        var scoped = new AnomalyService.AnomalyServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("adm-scoped", ["s1"], Role.Admin)));
        await RefusedAsync(() => scoped.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport"), ExpectedVersion = 2, Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        await RefusedAsync(() => fx.AnomalyStaff("gm-k", Role.Gm).PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = Kind("teleport"), ExpectedVersion = 2, Note = "x" }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM anomaly_kind_versions WHERE name = 'teleport'"));
    }

    [Fact]
    public async Task An_inactive_kind_takes_no_reports()
    {
        const string gs = "an-inactive";
        await fx.AddPlayerAsync("p-in", gs);
        var admin = fx.AnomalyStaff("adm-in");
        var spec = Kind("dormant");
        spec.Active = false;
        await admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = spec, Note = "retired" });
        var client = await fx.AnomalyServerAsync(gs);
        var e = await RefusedAsync(() => client.ReportAnomalyAsync(new ReportAnomalyRequest { GameServerId = gs, Report = Report("i-1", "p-in", kind: "dormant") }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Contains("inactive", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await ReportsAsync(gs));
    }
}
