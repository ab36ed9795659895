using GmTools.Server.Diagnostics;
using GmTools.Server.Persistence;
using Microsoft.Extensions.Configuration;
using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// deploy/k8s/: the fields each kind requires and the references between the manifests (labels, ports, names), checked
/// here by hand; the OpenAPI schema check is KubernetesSchemaTests. No cluster runs here: nothing is applied.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly List<(string File, Dictionary<object, object> Doc)> Manifests =
        Directory.GetFiles(PathOf("deploy/k8s"), "*.yaml").Order(StringComparer.Ordinal)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => LoadYaml(f).Where(d => d is not null).Select(d => (Path.GetFileName(f), Map(d, f))))
            .ToList();

    private static Dictionary<object, object> One(string kind, string? name = null) =>
        Manifests.Single(m => Text(m.Doc, "kind") == kind && (name is null || Text(m.Doc, "metadata.name") == name)).Doc;

    private static Dictionary<object, object> Container(Dictionary<object, object> workload) =>
        Map(Assert.Single(List(At(workload, "spec.template.spec.containers"), "containers")), "container");

    [Fact]
    public void Every_manifest_names_its_api_version_kind_and_name_and_the_kustomization_lists_the_files_that_exist()
    {
        Assert.NotEmpty(Manifests);
        foreach (var (file, doc) in Manifests)
        {
            Assert.False(string.IsNullOrEmpty(Text(doc, "apiVersion")), $"{file}: apiVersion");
            Assert.False(string.IsNullOrEmpty(Text(doc, "kind")), $"{file}: kind");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Text(doc, "metadata.name") ?? "");
        }
        var kustomization = Map(Assert.Single(LoadYaml(PathOf("deploy/k8s/kustomization.yaml"))), "kustomization");
        var resources = List(At(kustomization, "resources"), "resources").Cast<string>().ToList();
        Assert.All(resources, r => Assert.True(File.Exists(PathOf("deploy/k8s/" + r)), $"kustomization lists {r}, which does not exist"));
        // The migration runs before a rollout, never beside it; the Secret template must never overwrite the real one.
        Assert.DoesNotContain("migrate-job.yaml", resources);
        Assert.DoesNotContain("secret.yaml", resources);
        Assert.Contains("deployment.yaml", resources);
    }

    [Fact]
    public void The_deployment_runs_n_replicas_with_native_grpc_probes_on_services_the_server_maps()
    {
        var deployment = One("Deployment", "gmtools-server");
        Assert.True(int.Parse(Text(deployment, "spec.replicas")!, System.Globalization.CultureInfo.InvariantCulture) >= 2);
        var selector = Map(At(deployment, "spec.selector.matchLabels"), "selector");
        var labels = Map(At(deployment, "spec.template.metadata.labels"), "template labels");
        Assert.All(selector, s => Assert.Equal(s.Value, labels.GetValueOrDefault(s.Key)));

        var container = Container(deployment);
        var ports = List(At(container, "ports"), "ports").Select(p => Map(p, "port")).ToDictionary(p => Text(p, "name")!, p => Text(p, "containerPort"));
        Assert.Equal("8080", ports["grpc"]);
        // The metrics port is the one the ConfigMap turns the Prometheus listener on at, and the one the scrape
        // annotation names.
        var config = Map(At(One("ConfigMap", "gmtools-config"), "data"), "configmap data");
        Assert.Equal("true", Text(config, "GmTools__Telemetry__Prometheus__Enabled"));
        Assert.Equal(Text(config, "GmTools__Telemetry__Prometheus__Port"), ports["metrics"]);
        var annotations = Map(At(deployment, "spec.template.metadata.annotations"), "template annotations");
        Assert.Equal(ports["metrics"], annotations.GetValueOrDefault("prometheus.io/port"));
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal("8080", Text(container, $"{probe}.grpc.port"));
        }
        // Liveness must not follow PostgreSQL or Redis (a dependency outage would restart every replica); readiness must.
        Assert.Equal(HealthProbe.LivenessService, Text(container, "livenessProbe.grpc.service"));
        Assert.Equal(HealthProbe.LivenessService, Text(container, "startupProbe.grpc.service"));
        Assert.True(Text(container, "readinessProbe.grpc.service") is null or "", "readiness asks the overall status (\"\")");

        Assert.NotNull(Text(container, "resources.requests.cpu"));
        Assert.NotNull(Text(container, "resources.requests.memory"));
        Assert.NotNull(Text(container, "resources.limits.memory"));
        Assert.Equal("true", Text(deployment, "spec.template.spec.securityContext.runAsNonRoot"));
        Assert.Equal("0", Text(deployment, "spec.strategy.rollingUpdate.maxUnavailable"));
    }

    [Fact]
    public void Services_and_the_disruption_budget_select_the_deployments_pods_and_its_named_port()
    {
        var labels = Map(At(One("Deployment", "gmtools-server"), "spec.template.metadata.labels"), "labels");
        var services = Manifests.Where(m => Text(m.Doc, "kind") == "Service").Select(m => m.Doc).ToList();
        Assert.Equal(2, services.Count);
        foreach (var service in services)
        {
            Assert.All(Map(At(service, "spec.selector"), "selector"), s => Assert.Equal(s.Value, labels.GetValueOrDefault(s.Key)));
            var port = Map(Assert.Single(List(At(service, "spec.ports"), "ports")), "port");
            Assert.Equal("grpc", Text(port, "targetPort"));
            Assert.Equal("kubernetes.io/h2c", Text(port, "appProtocol"));
        }
        var pdb = One("PodDisruptionBudget");
        Assert.All(Map(At(pdb, "spec.selector.matchLabels"), "selector"), s => Assert.Equal(s.Value, labels.GetValueOrDefault(s.Key)));
        Assert.True(At(pdb, "spec.maxUnavailable") is not null || At(pdb, "spec.minAvailable") is not null);
    }

    [Fact]
    public void Configuration_and_credentials_come_from_the_configmap_and_the_secret_and_replicas_never_migrate()
    {
        var config = Map(At(One("ConfigMap", "gmtools-config"), "data"), "configmap data");
        var secret = Map(At(One("Secret", "gmtools-credentials"), "stringData"), "secret stringData");
        foreach (var workload in new[] { One("Deployment"), One("Job") })
        {
            var from = List(At(Container(workload), "envFrom"), "envFrom").Select(e => Map(e, "envFrom"));
            Assert.Contains(from, e => Text(e, "configMapRef.name") == "gmtools-config");
            Assert.Contains(from, e => Text(e, "secretRef.name") == "gmtools-credentials");
        }
        // Credentials only in the Secret, never in the ConfigMap.
        foreach (var key in new[] { "ConnectionStrings__Postgres", "ConnectionStrings__Redis", "GmTools__Jwt__SigningKey" })
        {
            Assert.True(secret.ContainsKey(key), $"the Secret lacks {key}");
            Assert.False(config.ContainsKey(key), $"{key} is a credential: it belongs in the Secret");
        }
        // The ConfigMap's keys bind to the server's options as the host reads them (section__key = section:key).
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(config.Select(kv => new KeyValuePair<string, string?>(((string)kv.Key).Replace("__", ":", StringComparison.Ordinal), (string)kv.Value)))
            .Build();
        Assert.False(configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()!.MigrateOnStart);
    }

    [Fact]
    public void The_migration_job_runs_the_migrate_verb_once_in_one_pod()
    {
        var job = One("Job", "gmtools-migrate");
        Assert.Equal("1", Text(job, "spec.parallelism"));
        Assert.Equal("1", Text(job, "spec.completions"));
        Assert.Equal("Never", Text(job, "spec.template.spec.restartPolicy"));
        var container = Container(job);
        Assert.Equal(["migrate"], List(At(container, "args"), "args").Cast<string>());
        Assert.Equal(Text(Container(One("Deployment")), "image"), Text(container, "image"));
        Assert.Contains("\"migrate\"", File.ReadAllText(PathOf("src/GmTools.Server/Program.cs")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_grace_period_covers_the_pre_stop_pause_and_the_hosts_stop_budget()
    {
        var deployment = One("Deployment");
        var grace = int.Parse(Text(deployment, "spec.template.spec.terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(45, grace);
        var preStop = List(At(Container(deployment), "lifecycle.preStop.exec.command"), "preStop").Cast<string>().ToList();
        Assert.Equal("sleep", preStop[0]);
        var pause = int.Parse(preStop[1], System.Globalization.CultureInfo.InvariantCulture);
        var config = Map(At(One("ConfigMap", "gmtools-config"), "data"), "configmap data");
        var stop = (int)TimeSpan.Parse((string)config["GmTools__Shutdown__Timeout"], System.Globalization.CultureInfo.InvariantCulture).TotalSeconds;
        Assert.True(pause + stop < grace, $"preStop {pause} s + shutdown {stop} s must end before the {grace} s grace period's SIGKILL");
    }
}
