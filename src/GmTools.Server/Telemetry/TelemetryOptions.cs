using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Telemetry;

/// <summary>
/// Section "GmTools:Telemetry": where metrics, traces and logs go. Everything is off by default, so a laptop run and
/// the tests pay nothing for it; an operator turns on the Prometheus scrape endpoint, OTLP export, or both.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "GmTools:Telemetry";

    /// <summary>The <c>service.name</c> resource attribute of every metric, span and log record.</summary>
    [Required, MaxLength(100)]
    public string ServiceName { get; set; } = "gmtools-server";

    public PrometheusEndpointOptions Prometheus { get; set; } = new();

    public OtlpExportOptions Otlp { get; set; } = new();

    /// <summary>
    /// How often the outbox backlog per game server is read from PostgreSQL (one grouped query per replica per
    /// interval, however many game servers or scrapes there are).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BacklogInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// At most this many game servers get their own backlog series, those waiting longest first; the totals count
    /// all of them. Bounds what one scrape carries when thousands of game servers are behind at once.
    /// </summary>
    [Range(1, 100_000)]
    public int BacklogSeries { get; set; } = 500;

    /// <summary>True when any exporter reads metrics, so the gauges' snapshot is worth taking.</summary>
    public bool ExportsMetrics => Prometheus.Enabled || (Otlp.Enabled && Otlp.Metrics);
}

/// <summary>
/// "GmTools:Telemetry:Prometheus": a scrape endpoint on a port of its own, served over HTTP/1.1 by its own listener.
/// The gRPC endpoints stay HTTP/2-only (cleartext HTTP/2 cannot share a port with HTTP/1.1), and the metrics never
/// answer on the port that callers reach.
/// </summary>
public sealed class PrometheusEndpointOptions
{
    public bool Enabled { get; set; }

    /// <summary>The host the listener binds: <c>*</c> for every interface (a pod's scrape), <c>localhost</c> for a laptop.</summary>
    [Required, MaxLength(253)]
    public string Host { get; set; } = "*";

    [Range(1, 65_535)]
    public int Port { get; set; } = 9464;

    [Required, MaxLength(100), RegularExpression("^/[A-Za-z0-9/_.-]*$")]
    public string Path { get; set; } = "/metrics";
}

/// <summary>
/// "GmTools:Telemetry:Otlp": push to an OpenTelemetry collector. The endpoint and protocol may also come from the
/// standard OTEL_EXPORTER_OTLP_* environment variables; a value here wins.
/// </summary>
public sealed class OtlpExportOptions
{
    public bool Enabled { get; set; }

    /// <summary>The collector, e.g. http://otel-collector:4317 (gRPC) or http://otel-collector:4318 (HTTP).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>.</summary>
    [RegularExpression("^(grpc|http/protobuf)$")]
    public string Protocol { get; set; } = "grpc";

    public bool Traces { get; set; } = true;

    public bool Metrics { get; set; } = true;

    public bool Logs { get; set; } = true;

    /// <summary>The share of traces kept (parent-based: a caller's sampled trace is always continued).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;
}
