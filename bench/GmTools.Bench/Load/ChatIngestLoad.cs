using System.Globalization;
using GmTools.Server.ChatWatch;

namespace GmTools.Bench.Load;

/// <summary>
/// The load verb's chat rows (issue #18): game servers stream world chat through IngestChat to the load replica
/// (replays checked, every line scored, Redis live state written, flags to PostgreSQL), as `bench/chat-ingest.sh`
/// does, for the profile's seconds after a short warm-up; beside the same run's redis-benchmark -P 16.
/// </summary>
internal static class ChatIngestLoad
{
    public static async Task AddAsync(GameLinkBench.Replica replica, LoadProfile p, LoadReport report, double redisPipelined)
    {
        var gameServers = Math.Min(8, p.GameServers);
        var servers = await ChatIngestBench.RegisterAsync(replica.Services, "load-chat-", gameServers);
        var live = replica.Services.GetRequiredService<ChatLiveState>();
        var stages = replica.Services.GetRequiredService<ChatIngestStages>();
        var settings = new ChatIngestBench.Settings("", "", "", p.Seconds, gameServers, Batch: 1000, InFlight: 2, Players: 5000);
        await ChatIngestBench.LoadAsync(replica.Address, servers, settings with { Seconds = Math.Max(1, p.Seconds / 3) }, live, stages, "chat ingest warm-up");
        var run = await ChatIngestBench.LoadAsync(replica.Address, servers, settings, live, stages, "chat ingest");
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{gameServers} game servers, 2 batches in flight each; batch p50 {run.P50Ms:0} ms, p99 {run.P99Ms:0} ms; {run.Flagged:N0} flagged");
        if (run.Degraded + run.Errors > 0)
        {
            note += string.Create(CultureInfo.InvariantCulture, $"; {run.Degraded} degraded batches, {run.Errors} stream errors");
        }
        report.Add(new LoadRow("chat ingest, IngestChat batches of 1,000 lines", run.LinesPerSecond, "lines/s", "redis-benchmark GET -P 16", redisPipelined,
            new Target.AtLeast(50_000, "lines/s"), Note: note));
        report.Add(new LoadRow("chat ingest, Redis round trips per 1,000 lines", run.RoundTripsPerThousand, "round trips",
            Target: new Target.AtMost(20, "round trips"), Note: "the server's own count of pipelined round trips"));
    }
}
