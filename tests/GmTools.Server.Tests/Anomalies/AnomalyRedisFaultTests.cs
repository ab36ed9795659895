using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using static GmTools.Server.Tests.Anomalies.AnomalyKit;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Anomalies;

/// <summary>A replica on a private Redis the test stops, starts again and empties between reports.</summary>
[Collection(RunsAlone.Name)]
public sealed class AnomalyRedisFaultTests(PrivateRedisFixture fx) : IClassFixture<PrivateRedisFixture>
{
    private AnomalyReportIn At(string id, string player) => Report(id, player, "fault_kind", at: fx.Clock.GetUtcNow().AddSeconds(-10));

    [Fact]
    public async Task With_Redis_gone_thresholds_are_decided_from_PostgreSQL_and_an_emptied_Redis_is_rebuilt_from_the_record()
    {
        const string gs = "an-fault";
        await fx.EnsureKindAsync(Kind("fault_kind", new AnomalyThreshold { Count = 3, Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase }));
        await fx.AddPlayerAsync("p-f1", gs);
        await fx.AddPlayerAsync("p-f2", gs);
        await fx.AddPlayerAsync("p-f3", gs);
        var client = await fx.AnomalyServerAsync(gs);
        Task<ReportAnomaliesResponse> Send(params AnomalyReportIn[] reports) =>
            client.ReportAnomaliesAsync(new ReportAnomaliesRequest { GameServerId = gs, Reports = { reports } }).ResponseAsync;

        var healthy = await Send(At("f-1", "p-f1"), At("f-2", "p-f1"));
        Assert.False(healthy.Degraded);
        await fx.Redis.StopAsync();
        var degraded = await Send(At("f-3", "p-f1"));
        Assert.True(degraded.Degraded);
        Assert.Equal(1, degraded.CasesOpened);
        Assert.Equal(3, await fx.ScalarAsync("SELECT count(*) FROM anomaly_reports WHERE player_id = 'p-f1' AND case_id IS NOT NULL"));

        // Redis back, then emptied: the windows are rebuilt from PostgreSQL, so the two reports it had counted still count
        await fx.Redis.StartAgainAsync();
        Assert.True(await EventuallyAsync(async () => !(await Send(At($"probe-{Guid.NewGuid():N}", "p-f3"))).Degraded, TimeSpan.FromSeconds(15)));
        await Send(At("f-4", "p-f2"), At("f-5", "p-f2"));
        await fx.Redis.FlushAsync();
        var rebuilt = await Send(At("f-6", "p-f2"));
        Assert.False(rebuilt.Degraded);
        Assert.Equal(1, rebuilt.CasesOpened);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM anomaly_cases WHERE player_id = 'p-f2'"));
    }
}
