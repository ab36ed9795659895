using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;
using Npgsql;

namespace GmTools.Bench.Load;

/// <summary>
/// The load verb's anomaly intake row (issue #19): game servers send ReportAnomalies batches of 100 reports of their own
/// players as fast as answers come, each over its own connection with its own credential; every report stored in one
/// durable commit with the batch's audit record and counted in the Redis windows (a threshold of 25 within 10 minutes
/// opens a case now and then). Beside the same run's GmTools echo as a game server and pgbench -N (a batch is one
/// durable transaction). The longer verb with its own baselines: bash bench/anomaly-intake.sh.
/// </summary>
internal static class AnomalyIntakeLoad
{
    public const int Batch = 100;
    public const int Players = 20_000;
    public const int Callers = 8;
    public const string Kind = "load_speed";

    /// <param name="servers">The run's simulated game servers (id, credential headers), one channel each.</param>
    /// <param name="echoRate">The same run's GmTools echo as a game server, calls/s.</param>
    /// <param name="pgbenchUpdate">The same run's pgbench -N, TPS.</param>
    public static async Task AddAsync(GameLinkBench.Replica replica, GrpcChannel[] channels, (string Id, Metadata Headers)[] servers, LoadProfile p,
        double echoRate, double pgbenchUpdate, LoadReport report, List<(string, HistogramBase)> charted)
    {
        var players = Math.Min(Players, p.Players);
        await using (var seed = replica.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            INSERT INTO players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, contact, online, version, synced_at)
            SELECT 'la' || i, 'acc-la' || i, 'load-' || (i % @servers), 'Runner' || i, 10, 0, 0, '', true, 1, now()
            FROM generate_series(0, @n - 1) AS i
            ON CONFLICT (player_id) DO NOTHING;
            ANALYZE players;
            """))
        {
            seed.Parameters.AddWithValue("servers", servers.Length);
            seed.Parameters.AddWithValue("n", players);
            seed.CommandTimeout = 600;
            await seed.ExecuteNonQueryAsync();
        }
        var admin = new Metadata { { "authorization", "Bearer " + replica.Services.GetRequiredService<StaffTokenIssuer>().Issue("load.admin", [GmTools.Server.Security.Role.Admin]) } };
        var kinds = new AnomalyService.AnomalyServiceClient(channels[0]);
        if ((await kinds.ListAnomalyKindsAsync(new ListAnomalyKindsRequest(), admin)).Kinds.All(k => k.Spec.Name != Kind))
        {
            await kinds.PutAnomalyKindAsync(new PutAnomalyKindRequest
            {
                Kind = new AnomalyKindSpec
                {
                    Name = Kind, DisplayName = "Speed hack (load)", DefaultSeverity = AnomalySeverity.Medium, Active = true,
                    Thresholds = { new AnomalyThreshold { Count = 25, Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase } },
                },
                Note = "load",
            }, admin);
        }

        var clients = channels.Select(c => new AnomalyService.AnomalyServiceClient(c)).ToArray();
        var run = Guid.NewGuid().ToString("N")[..8];
        var accepted = 0L;
        var batches = 0L; // unique across the warm-up and the measured run (each restarts n), so no report id repeats
        var perServer = (players + servers.Length - 1) / servers.Length;
        // Caller w is game server w mod N and reports its own players (player i lives on server i mod N).
        Func<int, long, Task> send = async (w, _) =>
        {
            var s = w % servers.Length;
            var b = Interlocked.Increment(ref batches);
            var random = new Random(HashCode.Combine(run, b));
            var request = new ReportAnomaliesRequest { GameServerId = servers[s].Id };
            var at = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
            for (var i = 0; i < Batch; i++)
            {
                var k = random.Next(perServer) * servers.Length + s;
                request.Reports.Add(new AnomalyReportIn
                {
                    ReportId = string.Create(CultureInfo.InvariantCulture, $"{run}-{b}-{i}"),
                    PlayerId = string.Create(CultureInfo.InvariantCulture, $"la{(k < players ? k : s)}"),
                    Kind = Kind,
                    OccurredAt = at,
                    EvidenceJson = """{"speed":31.5,"allowed":12,"zone":"m-104"}""",
                });
            }
            var response = await clients[s].ReportAnomaliesAsync(request, servers[s].Headers);
            Interlocked.Add(ref accepted, response.Accepted);
        };
        var callers = Math.Min(Callers, p.Callers);
        await LoadDrivers.ClosedLoopAsync(callers, TimeSpan.FromSeconds(Math.Max(1, p.Seconds / 3)), send);
        Interlocked.Exchange(ref accepted, 0);
        var load = WritePathBench.LoadAverage();
        var measured = await LoadDrivers.ClosedLoopAsync(callers, TimeSpan.FromSeconds(p.Seconds), send);
        var rate = accepted / measured.Seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"- anomaly intake: {rate:N0} reports/s ({measured.PerSecond:N0} batches/s), {measured.Latency.Text}, errors {measured.Errors}; load average {load} → {WritePathBench.LoadAverage()}"));
        report.Add(new LoadRow($"anomaly intake (ReportAnomalies, batches of {Batch}, {callers} game-server callers, {players:N0} players), stored, audited, counted",
            rate, "reports/s", "GmTools echo as a game server", echoRate, new Target.AtLeast(20_000, "reports/s"), measured.Latency,
            string.Create(CultureInfo.InvariantCulture,
                $"{measured.PerSecond:N0} durable batches/s = {(pgbenchUpdate > 0 ? measured.PerSecond / pgbenchUpdate * 100 : 0):0} % of pgbench -N TPS ({pgbenchUpdate:N0}); latency per batch")
            + (measured.Errors == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {measured.Errors:N0} errors"))));
        charted.Add(("anomaly batch of 100", measured.Histogram));
    }
}
