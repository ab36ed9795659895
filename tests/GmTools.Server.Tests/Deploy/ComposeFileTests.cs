using System.Text.RegularExpressions;
using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// Every YAML file under deploy/ parses, and deploy/compose.yaml refers only to files, build targets and services that
/// exist (no Docker engine here: `docker compose up` itself is not run).
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string ComposeDir = PathOf("deploy");

    private static object Compose() => Assert.Single(LoadYaml(PathOf("deploy/compose.yaml")))!;

    private static Dictionary<object, object> Services() => Map(At(Compose(), "services"), "compose services");

    [Fact]
    public void Every_yaml_file_under_deploy_parses()
    {
        var files = Directory.GetFiles(PathOf("deploy"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count >= 8, $"expected compose.yaml and the Kubernetes manifests, found {files.Count} YAML files");
        foreach (var file in files)
        {
            try
            {
                var documents = LoadYaml(file);
                Assert.True(documents.Any(d => d is not null), $"{file} holds no document");
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                Assert.Fail($"{Path.GetRelativePath(Root, file)}: {ex.Message}");
            }
        }
    }

    [Fact]
    public void Builds_name_existing_dockerfiles_and_stages_and_mounts_name_existing_files()
    {
        var stages = ReadDockerfile(PathOf("deploy/docker/Dockerfile")).Where(i => i.Keyword == "FROM").Select(i => i.Stage).ToHashSet();
        var volumes = Map(At(Compose(), "volumes"), "compose volumes").Keys.Cast<string>().ToHashSet();
        foreach (var (name, body) in Services())
        {
            var service = Map(body, $"service {name}");
            if (At(service, "build") is { } build)
            {
                var context = Path.GetFullPath(Path.Combine(ComposeDir, Text(build, "context")!));
                Assert.Equal(Root.TrimEnd('/'), context.TrimEnd('/'));
                Assert.True(File.Exists(Path.Combine(context, Text(build, "dockerfile")!)), $"{name}: no Dockerfile {Text(build, "dockerfile")}");
                Assert.Contains(Text(build, "target")!, stages);
            }
            foreach (var volume in (At(service, "volumes") as List<object> ?? []).Cast<string>())
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.') || source.StartsWith('/'))
                {
                    var path = Path.GetFullPath(Path.Combine(ComposeDir, source));
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{name} mounts {source}, which does not exist");
                }
                else
                {
                    Assert.True(volumes.Contains(source), $"{name} mounts the undeclared volume {source}");
                }
            }
            foreach (var dependency in DependsOn(service))
            {
                Assert.True(Services().ContainsKey(dependency), $"{name} depends on {dependency}, which is not a service");
            }
        }
    }

    [Fact]
    public void One_migration_service_migrates_and_two_replicas_start_after_it_with_migrations_off()
    {
        var services = Services();
        var migrate = Map(services["migrate"], "migrate");
        Assert.Equal(["migrate"], List(At(migrate, "command"), "migrate.command").Cast<string>());
        Assert.Equal("no", Text(migrate, "restart"));

        var replicas = services.Where(s => Text(s.Value, "build.target") == "server" && At(s.Value, "command") is null).Select(s => (string)s.Key).ToList();
        Assert.Equal(["server-1", "server-2"], replicas.Order());
        foreach (var replica in replicas)
        {
            Assert.Equal("false", Text(services[replica], "environment.GmTools__Database__MigrateOnStart"));
            Assert.NotNull(Text(services[replica], "environment.ConnectionStrings__Postgres"));
            Assert.NotNull(Text(services[replica], "environment.ConnectionStrings__Redis"));
            // Started only once the migration (and the demo seed after it) has completed.
            Assert.True(StartsAfter(services, replica, "migrate"), $"{replica} may start before the migration completed");
        }
        // Every one-shot command is a verb the server binary knows.
        var program = File.ReadAllText(PathOf("src/GmTools.Server/Program.cs"));
        foreach (var (name, body) in services.Where(s => Text(s.Value, "build.target") == "server" && At(s.Value, "command") is not null))
        {
            var verb = (string)List(At(body, "command"), $"{name}.command")[0];
            Assert.True(program.Contains($"\"{verb}\"", StringComparison.Ordinal), $"{name} runs the verb {verb}, which Program.cs does not know");
        }
    }

    [Fact]
    public void The_proxy_speaks_http2_to_both_replicas_and_everything_else_goes_through_it()
    {
        var services = Services();
        var conf = File.ReadAllText(PathOf("deploy/compose/nginx.conf"));
        var upstreams = UpstreamServer().Matches(conf).Select(m => (Host: m.Groups[1].Value, Port: m.Groups[2].Value)).ToList();
        Assert.Equal(["server-1", "server-2"], upstreams.Select(u => u.Host).Order());
        Assert.All(upstreams, u => Assert.Equal("8080", u.Port));
        Assert.Matches(@"listen\s+8080\s+http2;", conf);
        Assert.Matches(@"grpc_pass\s+grpc://gmtools;", conf);
        Assert.Contains("8080", List(At(services["proxy"], "ports"), "proxy.ports").Cast<string>().Single(), StringComparison.Ordinal);

        Assert.Equal("http://proxy:8080", Text(services["console"], "environment.GmTools__Console__ServerAddress"));
        Assert.Contains("--server http://proxy:8080", string.Join(' ', List(At(services["simulator"], "command"), "simulator.command").Cast<string>()), StringComparison.Ordinal);
        // The console signs staff in with the key the replicas verify.
        Assert.Equal(Text(services["server-1"], "environment.GmTools__Jwt__SigningKey"), Text(services["console"], "environment.GmTools__Jwt__SigningKey"));
    }

    private static IEnumerable<string> DependsOn(object service) => At(service, "depends_on") switch
    {
        List<object> list => list.Cast<string>(),
        Dictionary<object, object> map => map.Keys.Cast<string>(),
        _ => [],
    };

    private static bool StartsAfter(Dictionary<object, object> services, string service, string target, int depth = 0)
    {
        if (depth > services.Count)
        {
            return false;
        }
        foreach (var dependency in DependsOn(services[service]))
        {
            var condition = Text(services[service], $"depends_on.{dependency}.condition");
            if ((dependency == target && condition == "service_completed_successfully")
                || (condition == "service_completed_successfully" && StartsAfter(services, dependency, target, depth + 1)))
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"^\s*server\s+([A-Za-z0-9_.-]+):(\d+)\b", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();
}
