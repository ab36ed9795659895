using GmTools.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GmTools.Server.Telemetry;

public static class TelemetryRegistration
{
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidation>();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<RpcMetricsInterceptor>();

        // Read once here as well, on purpose: which providers and exporters exist is decided while composing the
        // services (as for Quartz); the bound options above validate the same values at start.
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = options.Otlp;
        if (!options.ExportsMetrics && !(otlp.Enabled && (otlp.Traces || otlp.Logs)))
        {
            return services;
        }
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(options.ServiceName));
        if (options.ExportsMetrics)
        {
            services.AddSingleton<GameLinkGauges>();
            services.AddHostedService(sp => sp.GetRequiredService<GameLinkGauges>());
            services.AddSingleton<QuartzJobMetrics>();
            services.AddHostedService<QuartzJobMetricsInstaller>();
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(ServerMetrics.MeterName, "Npgsql")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (options.Prometheus.Enabled)
                {
                    metrics.AddPrometheusHttpListener(p =>
                    {
                        p.Host = options.Prometheus.Host;
                        p.Port = options.Prometheus.Port;
                        p.ScrapeEndpointPath = options.Prometheus.Path;
                    });
                }
                if (otlp.Enabled && otlp.Metrics)
                {
                    metrics.AddOtlpExporter(o => Otlp(o, otlp, "v1/metrics"));
                }
            });
        }
        if (otlp.Enabled && otlp.Traces)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(otlp.TraceSampleRatio)))
                // gRPC calls arrive as ASP.NET Core requests (Grpc.AspNetCore tags them with grpc.method and status).
                .AddAspNetCoreInstrumentation(a => a.Filter = http => !http.Request.Path.StartsWithSegments("/grpc.health.v1.Health"))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddRedisInstrumentation()
                .ConfigureRedisInstrumentation((sp, redis) => redis.AddConnection(sp.GetRequiredService<RedisConnection>().Multiplexer))
                .AddOtlpExporter(o => Otlp(o, otlp, "v1/traces")));
        }
        if (otlp.Enabled && otlp.Logs)
        {
            // Scopes carry what the access gate opens for every call: RequestId, Actor, Method (and the trace ids).
            telemetry.WithLogging(logs => logs.AddOtlpExporter(o => Otlp(o, otlp, "v1/logs")), o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            });
        }
        return services;
    }

    /// <summary>The configured collector, when one is; otherwise the OTEL_EXPORTER_OTLP_* variables (or the SDK's default) decide.</summary>
    private static void Otlp(OtlpExporterOptions exporter, OtlpExportOptions options, string signalPath)
    {
        var http = options.Protocol == "http/protobuf";
        exporter.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (options.Endpoint is { } endpoint)
        {
            // Over HTTP each signal has its own path below the collector's address; gRPC takes the address as it is.
            exporter.Endpoint = http ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : endpoint;
        }
    }
}
