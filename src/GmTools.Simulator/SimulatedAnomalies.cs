using System.Globalization;
using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmTools.Simulator;

/// <summary>
/// The "anomalies" verb: one game server reports anomalies as a real one would, in batches, and prints the per-report
/// results and what the thresholds did.
/// <c>anomalies --server URL --credential "GameServer id.secret" --player P [--kind speed_hack] [--count N]
/// [--severity low|medium|high|critical] [--related P2[,P3]] [--batch N]</c>
/// </summary>
public static class SimulatedAnomalies
{
    public const string Usage = "usage: anomalies --server URL --credential \"GameServer id.secret\" --player P [--kind K] [--count N] [--severity S] [--related P2,P3] [--batch N]";

    public static async Task<int> RunAsync(string[] args)
    {
        string server = "", credential = "", player = "", kind = "speed_hack", severity = "", related = "";
        int count = 3, batch = 100;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : "";
            switch (args[i])
            {
                case "--server": server = Value(); break;
                case "--credential": credential = Value(); break;
                case "--player": player = Value(); break;
                case "--kind": kind = Value(); break;
                case "--count": count = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--severity": severity = Value(); break;
                case "--related": related = Value(); break;
                case "--batch": batch = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                default:
                    await Console.Error.WriteLineAsync($"unknown option {args[i]}\n{Usage}");
                    return 2;
            }
        }
        credential = credential.Length > 0 ? credential : Environment.GetEnvironmentVariable("GMTOOLS_SIM_CREDENTIALS")?.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
        if (server.Length == 0 || credential.Length == 0 || player.Length == 0 || count < 1 || batch is < 1 or > 500)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        var gs = SimulatorCli.GameServerIdOf(credential);
        using var channel = GrpcChannel.ForAddress(server);
        var client = new AnomalyService.AnomalyServiceClient(channel);
        var headers = new Metadata { { "authorization", credential } };
        var level = System.Enum.TryParse<AnomalySeverity>(severity, ignoreCase: true, out var s) ? s : AnomalySeverity.Unspecified;
        var run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        for (var sent = 0; sent < count; sent += batch)
        {
            var request = new ReportAnomaliesRequest { GameServerId = gs };
            for (var n = sent; n < Math.Min(count, sent + batch); n++)
            {
                var report = new AnomalyReportIn
                {
                    ReportId = $"sim-{run}-{n}",
                    PlayerId = player,
                    Kind = kind,
                    Severity = level,
                    OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    EvidenceJson = $$"""{"simulated":true,"n":{{n}}}""",
                    Summary = $"simulated {kind} #{n + 1}",
                };
                report.RelatedPlayerIds.AddRange(related.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                request.Reports.Add(report);
            }
            var response = await client.ReportAnomaliesAsync(request, headers);
            foreach (var r in response.Results.Where(r => r.Outcome != AnomalyReportOutcome.Accepted))
            {
                Console.WriteLine($"{gs}: report {r.ReportId}: {r.Outcome} {r.Field} {r.Reason}".TrimEnd());
            }
            Console.WriteLine($"{gs}: {response.Accepted} accepted, {response.Duplicates} duplicates, {response.Rejected} rejected; " +
                $"{response.CasesOpened} case(s) opened, {response.SanctionsIssued} automatic ban(s){(response.Degraded ? " (counters degraded)" : "")}");
        }
        return 0;
    }
}
