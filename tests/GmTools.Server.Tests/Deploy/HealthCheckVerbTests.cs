using GmTools.Server.Diagnostics;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// The server binary's <c>health-check</c> verb (the image's HEALTHCHECK) and the health services the Kubernetes
/// probes name, against a replica on a real Kestrel socket.
/// </summary>
public sealed class HealthCheckVerbTests
{
    private static readonly Dictionary<string, string?> Quiet = new() { ["GmTools:Quartz:Enabled"] = "false" };

    private static async Task<(int Code, string Output)> Probe(params string[] args) => await Probe(null, args);

    private static async Task<(int Code, string Output)> Probe(HttpMessageHandler? handler, params string[] args)
    {
        using var output = new StringWriter();
        var code = await HealthProbe.RunAsync(args, output, handler);
        return (code, output.ToString().Trim());
    }

    [Fact]
    public async Task The_images_healthcheck_command_passes_against_a_serving_replica_on_a_socket()
    {
        var port = TestPorts.Free();
        var url = $"http://127.0.0.1:{port}";
        await using var replica = new GmToolsFactory(await TestDatabase.CreateAsync(nameof(HealthCheckVerbTests)), $"hc{Guid.NewGuid():N}:", new FakeTimeProvider(), Quiet);
        replica.UseKestrel(port);
        replica.StartServer();
        // A cold replica on a loaded machine may need longer than the HEALTHCHECK's 4 s for its first answer (its
        // start-period covers that in Docker): wait until it serves, with a generous deadline, then probe as Docker does.
        var warm = (Code: 1, Output: "");
        for (var attempt = 0; attempt < 6 && warm.Code != 0; attempt++)
        {
            warm = await Probe(url, "--timeout-s", "20");
        }
        Assert.True(warm.Code == 0, warm.Output);

        // Exactly the Dockerfile's HEALTHCHECK arguments; only the address differs (8080 there, a free port here).
        var (code, output) = await Probe([.. DockerfileTests.HealthCheckArguments(), url]);
        Assert.True(code == 0, output);
        Assert.Equal($"{url}: Serving", output);

        // The Kubernetes probes' services (deploy/k8s/deployment.yaml): readiness "" and liveness.
        Assert.Equal(0, (await Probe(url, "--service", HealthProbe.LivenessService)).Code);
        var unknown = await Probe(url, "--service", "no.such.Service");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no such health service", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Liveness_stays_serving_while_readiness_follows_a_redis_outage()
    {
        await using var redis = await PrivateRedis.StartAsync();
        var settings = new Dictionary<string, string?>(Quiet) { ["ConnectionStrings:Redis"] = redis.ConnectionString };
        await using var replica = new GmToolsFactory(await TestDatabase.CreateAsync(nameof(HealthCheckVerbTests) + "r"), $"hc{Guid.NewGuid():N}:", new FakeTimeProvider(), settings);
        var url = replica.Server.BaseAddress.ToString();
        Assert.Equal(0, (await Probe(replica.Server.CreateHandler(), url)).Code);

        await redis.StopAsync();
        var ready = (Code: 0, Output: "");
        // The Redis client notices the dead connection within its own timeouts; this waits on it, not on a clock.
        for (var attempt = 0; attempt < 40 && ready.Code == 0; attempt++)
        {
            ready = await Probe(replica.Server.CreateHandler(), url, "--timeout-s", "10");
            if (ready.Code == 0)
            {
                await Task.Delay(250);
            }
        }
        Assert.Equal(1, ready.Code);
        Assert.EndsWith("NotServing", ready.Output, StringComparison.Ordinal);
        var live = await Probe(replica.Server.CreateHandler(), url, "--service", HealthProbe.LivenessService);
        Assert.True(live.Code == 0, live.Output);
    }

    [Fact]
    public async Task An_address_nobody_listens_on_fails_within_the_timeout_and_bad_arguments_are_a_usage_error()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (code, output) = await Probe($"http://127.0.0.1:{TestPorts.Free()}", "--timeout-s", "2");
        Assert.Equal(1, code);
        Assert.Contains("unreachable", output, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");

        Assert.Equal(2, (await Probe("--timeout-s", "soon")).Code);
        Assert.Equal(2, (await Probe("ftp://127.0.0.1:1")).Code);
        Assert.Equal(2, (await Probe("--verbose")).Code);
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:8080")]
    [InlineData("", "http://127.0.0.1:8080")]
    [InlineData("9090", "http://127.0.0.1:9090")]
    [InlineData("5080;5443", "http://127.0.0.1:5080")]
    [InlineData("nonsense", "http://127.0.0.1:8080")]
    public void The_default_address_is_the_first_http_port_on_loopback(string? httpPorts, string expected) =>
        Assert.Equal(expected, HealthProbe.DefaultAddress(httpPorts));

    [Fact]
    public async Task The_configmaps_stop_budget_is_the_one_the_host_applies()
    {
        // GmTools__Shutdown__Timeout reaches the host as GmTools:Shutdown:Timeout, which sets HostOptions.ShutdownTimeout;
        // a command-line switch is the same key without touching this process's environment.
        var config = Map(At(Assert.Single(LoadYaml(PathOf("deploy/k8s/configmap.yaml"))), "data"), "configmap data");
        var timeout = (string)config["GmTools__Shutdown__Timeout"];
        var drain = (string)config["GmTools__Shutdown__DrainTimeout"];
        await using var app = GmToolsHost.Build(["--ConnectionStrings:Postgres=Host=127.0.0.1", "--ConnectionStrings:Redis=127.0.0.1:1",
            $"--GmTools:Shutdown:Timeout={timeout}", $"--GmTools:Shutdown:DrainTimeout={drain}"]);
        var stop = app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        Assert.Equal(TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture), stop);
        Assert.True(TimeSpan.Parse(drain, System.Globalization.CultureInfo.InvariantCulture) < stop, "the drain is part of the stop");
    }
}
