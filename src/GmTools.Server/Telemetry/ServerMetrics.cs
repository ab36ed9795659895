using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;

namespace GmTools.Server.Telemetry;

/// <summary>
/// The service's own meter and the instruments that code on the request path records into. Recording costs an
/// interlocked add when an exporter listens and next to nothing when none does, so the desks record always;
/// whether anything leaves the process is <see cref="TelemetryOptions"/>'s decision. Each metric is listed in
/// docs/observability.md.
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "GmTools.Server";

    /// <summary>Seconds; fine below 100 ms where the unary RPCs live, coarse above where only streams go.</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

    private readonly Histogram<double> _rpcDuration;
    private readonly Counter<long> _chatScored;
    private readonly Counter<long> _chatFlagged;
    private readonly Counter<long> _anomalyReports;
    private readonly Counter<long> _jobRuns;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _jobMisfires;

    public ServerMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _rpcDuration = Meter.CreateHistogram("gmtools.rpc.server.duration", "s",
            "Duration of each RPC this replica served, by method and final gRPC status; its count is the request rate",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _chatScored = Meter.CreateCounter<long>("gmtools.chat.lines.scored", "{line}", "Chat lines scored by the rule engine (replays not counted)");
        _chatFlagged = Meter.CreateCounter<long>("gmtools.chat.lines.flagged", "{line}", "Scored chat lines that matched a rule");
        _anomalyReports = Meter.CreateCounter<long>("gmtools.anomaly.reports", "{report}", "Anomaly reports taken, by outcome (accepted, duplicate, rejected)");
        _jobRuns = Meter.CreateCounter<long>("gmtools.quartz.job.runs", "{run}", "Quartz job runs on this replica, by job and outcome (succeeded, failed, vetoed)");
        _jobDuration = Meter.CreateHistogram("gmtools.quartz.job.duration", "s", "Run time of Quartz jobs on this replica",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _jobMisfires = Meter.CreateCounter<long>("gmtools.quartz.job.misfires", "{misfire}", "Quartz triggers this replica found misfired, by job");
    }

    /// <summary>For the observable instruments of other parts (the GameLink gauges).</summary>
    public Meter Meter { get; }

    /// <param name="method">The gRPC method path, e.g. /gmtools.v1.SanctionService/IssueSanction (a bounded set: unknown methods never reach a handler).</param>
    public void RpcServed(string method, StatusCode status, TimeSpan elapsed)
    {
        var slash = method.LastIndexOf('/');
        var tags = new TagList
        {
            { "rpc.service", slash > 0 ? method[1..slash] : method },
            { "rpc.method", slash >= 0 ? method[(slash + 1)..] : method },
            { "rpc.grpc.status", status.ToString() },
        };
        _rpcDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void ChatScored(int scored, int flagged)
    {
        _chatScored.Add(scored);
        _chatFlagged.Add(flagged);
    }

    public void AnomalyReports(string outcome, int count)
    {
        if (count > 0)
        {
            _anomalyReports.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void JobRan(string job, string outcome, TimeSpan runTime)
    {
        var tag = new KeyValuePair<string, object?>("quartz.job", job);
        _jobRuns.Add(1, tag, new KeyValuePair<string, object?>("outcome", outcome));
        _jobDuration.Record(runTime.TotalSeconds, tag);
    }

    public void JobMisfired(string job) => _jobMisfires.Add(1, new KeyValuePair<string, object?>("quartz.job", job));
}
