using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace GmTools.Server.Diagnostics;

/// <summary>
/// The <c>health-check</c> verb: asks a running replica's grpc.health.v1 service whether it serves, for a container
/// HEALTHCHECK (the image carries no grpc_health_probe download). It needs neither PostgreSQL nor Redis nor any
/// configuration: it only dials the address.
/// <code>GmTools.Server health-check [URL] [--service NAME] [--timeout-s SECONDS]</code>
/// URL defaults to http://127.0.0.1:PORT with the first port of ASPNETCORE_HTTP_PORTS (the .NET images set 8080).
/// Exit code 0 = SERVING, 1 = NOT_SERVING, unknown service or unreachable, 2 = bad arguments.
/// </summary>
public static class HealthProbe
{
    /// <summary>The health service name whose status is the process's own (no dependency): for liveness probes.</summary>
    public const string LivenessService = "liveness";

    /// <summary>The check behind <see cref="LivenessService"/>: healthy whenever the process answers at all.</summary>
    public const string SelfCheck = "self";

    public const int DefaultPort = 8080;

    public static async Task<int> RunAsync(string[] args, TextWriter output, HttpMessageHandler? handler = null)
    {
        string? url = null;
        var service = "";
        var timeout = TimeSpan.FromSeconds(3);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--service" when i + 1 < args.Length:
                    service = args[++i];
                    break;
                case "--timeout-s" when i + 1 < args.Length
                    && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    timeout = TimeSpan.FromSeconds(seconds);
                    i++;
                    break;
                case var a when url is null && !a.StartsWith('-') && Uri.TryCreate(a, UriKind.Absolute, out var parsed)
                    && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps):
                    url = a;
                    break;
                default:
                    await output.WriteLineAsync($"health-check: unexpected argument '{args[i]}'; usage: health-check [http://HOST:PORT] [--service NAME] [--timeout-s SECONDS]");
                    return 2;
            }
        }
        url ??= DefaultAddress(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"));
        var shown = service.Length == 0 ? url : $"{url} ({service})";

        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler { ConnectTimeout = timeout },
            DisposeHttpClient = true,
        });
        try
        {
            var reply = await new Health.HealthClient(channel)
                .CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow + timeout);
            await output.WriteLineAsync($"{shown}: {reply.Status}");
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 1;
        }
        catch (RpcException ex)
        {
            var what = ex.StatusCode == StatusCode.NotFound ? "no such health service" : "unreachable";
            await output.WriteLineAsync($"{shown}: {what} ({ex.StatusCode}: {ex.Status.Detail})");
            return 1;
        }
    }

    /// <summary>http://127.0.0.1 on the first port ASPNETCORE_HTTP_PORTS names ("8080" or "8080;8081"), else 8080.</summary>
    public static string DefaultAddress(string? httpPorts)
    {
        var first = (httpPorts ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : DefaultPort;
        return $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }
}
