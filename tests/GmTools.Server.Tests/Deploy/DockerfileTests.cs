using System.Text.Json;
using System.Xml.Linq;
using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// deploy/docker/Dockerfile against the real project layout. No Docker engine runs here, so nothing is built: these
/// checks read the file and the repository, and fail when a project, props file or folder the build needs moves.
/// </summary>
public sealed class DockerfileTests
{
    private const string DockerfilePath = "deploy/docker/Dockerfile";

    private static readonly List<Instruction> Dockerfile = ReadDockerfile(PathOf(DockerfilePath));

    /// <summary>The files at the repository root that MSBuild reads for every project.</summary>
    private static readonly string[] RootBuildFiles = ["global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig"];

    private static List<Instruction> In(string stage) => Dockerfile.Where(i => i.Stage == stage).ToList();

    private static string Version()
    {
        var arg = Dockerfile.Single(i => i.Keyword == "ARG" && i.Arguments.StartsWith("DOTNET_VERSION=", StringComparison.Ordinal));
        return arg.Arguments["DOTNET_VERSION=".Length..];
    }

    /// <summary>The projects the image publishes, from its <c>dotnet publish</c> lines.</summary>
    private static List<(string Stage, string Project)> Published() =>
        Dockerfile.Where(i => i.Keyword == "RUN")
            .SelectMany(i => Commands(i).Where(c => c.Length > 2 && c[0] == "dotnet" && c[1] == "publish").Select(c => (i.Stage, Project: c[2])))
            .ToList();

    private static IEnumerable<string[]> Commands(Instruction run) =>
        run.Arguments.Split("&&", StringSplitOptions.TrimEntries).Select(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void The_dotnet_version_matches_global_json_and_the_target_framework()
    {
        var version = Version();
        using var global = JsonDocument.Parse(File.ReadAllText(PathOf("global.json")));
        var sdk = global.RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        Assert.True(sdk.StartsWith(version + ".", StringComparison.Ordinal), $"global.json pins SDK {sdk}; the Dockerfile builds with {version}");
        var framework = XDocument.Load(PathOf("Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        Assert.Equal("net" + version, framework);
        foreach (var from in Dockerfile.Where(i => i.Keyword == "FROM" && i.Arguments.StartsWith("mcr.", StringComparison.Ordinal)))
        {
            Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(sdk|aspnet|runtime):\$\{DOTNET_VERSION\}\s", from.Arguments);
        }
    }

    [Fact]
    public void Every_path_it_copies_exists_and_is_inside_the_build_context()
    {
        var copies = Dockerfile.Where(i => i.Keyword == "COPY" && !i.Arguments.Contains("--from=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var words = copy.Words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            Assert.True(words.Count >= 2, $"line {copy.Line}: COPY needs a source and a destination");
            foreach (var source in words[..^1])
            {
                Assert.True(File.Exists(PathOf(source)) || Directory.Exists(PathOf(source)), $"line {copy.Line}: COPY {source}: no such file or folder in the repository");
                Assert.False(DockerIgnored(source), $"line {copy.Line}: COPY {source}, but .dockerignore leaves it out of the build context");
            }
        }
    }

    [Fact]
    public void The_restore_layer_copies_every_project_file_and_props_file_before_restoring()
    {
        var build = In("build");
        var firstRestore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(firstRestore > 0, "the build stage restores before it copies the sources");
        var copiedBefore = build.Take(firstRestore).Where(i => i.Keyword == "COPY")
            .SelectMany(i => i.Words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1)).ToHashSet();

        // Every file MSBuild reads while restoring: the root props and SDK pin, and each project of each closure.
        foreach (var file in RootBuildFiles.Where(f => File.Exists(PathOf(f))))
        {
            Assert.Contains(file, copiedBefore);
        }
        var restored = build.Where(i => i.Keyword == "RUN").SelectMany(Commands)
            .Where(c => c.Length > 2 && c[0] == "dotnet" && c[1] == "restore").Select(c => c[2]).ToList();
        foreach (var (_, project) in Published())
        {
            Assert.Contains(project, restored);
            foreach (var needed in ProjectClosure(project))
            {
                Assert.True(copiedBefore.Contains(needed), $"{needed} (needed by {project}) is not copied before `dotnet restore`");
            }
        }
        // And nothing restores a project that no longer exists.
        Assert.All(restored, p => Assert.True(File.Exists(PathOf(p)), $"dotnet restore {p}: no such project"));
    }

    [Fact]
    public void The_sources_copied_cover_every_published_project_and_the_protos_they_compile()
    {
        var copiedDirs = In("build").Where(i => i.Keyword == "COPY")
            .SelectMany(i => i.Words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            .Where(s => s.EndsWith('/')).ToList();
        bool Covered(string relative) => copiedDirs.Any(d => relative.StartsWith(d, StringComparison.Ordinal));
        var published = Published();
        Assert.Equal(3, published.Count);
        foreach (var project in published.SelectMany(p => ProjectClosure(p.Project)).Distinct())
        {
            Assert.True(Covered(project), $"{project}'s sources are not copied into the build stage");
            var dir = Path.GetDirectoryName(PathOf(project))!;
            // Protobuf items compile files outside the project folder (the repository's protos/).
            foreach (var proto in XDocument.Load(PathOf(project)).Descendants("Protobuf"))
            {
                var root = Path.GetFullPath(Path.Combine(dir, (string?)proto.Attribute("ProtoRoot") ?? "."));
                var relative = Path.GetRelativePath(Root, root).Replace(Path.DirectorySeparatorChar, '/') + "/";
                Assert.True(Covered(relative), $"{project} compiles protos from {relative}, which the build stage does not copy");
                Assert.NotEmpty(Directory.GetFiles(root, "*.proto", SearchOption.AllDirectories));
            }
        }
    }

    [Fact]
    public void Each_program_gets_a_non_root_runtime_image_of_the_right_kind_that_starts_its_own_assembly()
    {
        foreach (var (publishStage, project) in Published())
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var runtime = Dockerfile.Where(i => i.Keyword == "COPY" && i.Arguments.Contains($"--from={publishStage} ", StringComparison.Ordinal))
                .Select(i => i.Stage).Single();
            var stage = In(runtime);
            var web = XDocument.Load(PathOf(project)).Root!.Attribute("Sdk")!.Value == "Microsoft.NET.Sdk.Web";
            Assert.Contains($"mcr.microsoft.com/dotnet/{(web ? "aspnet" : "runtime")}:", stage[0].Arguments, StringComparison.Ordinal);

            var user = stage.LastOrDefault(i => i.Keyword == "USER");
            Assert.True(user is not null, $"stage {runtime} runs as root");
            Assert.False(user.Arguments is "root" or "0" or "0:0", $"stage {runtime} runs as {user.Arguments}");
            var entry = stage.Single(i => i.Keyword == "ENTRYPOINT").Words;
            Assert.Equal(["dotnet", $"/app/{name}.dll"], entry.Take(2));
            Assert.True(stage.FindIndex(i => i.Keyword == "USER") < stage.FindIndex(i => i.Keyword == "ENTRYPOINT"));
        }
    }

    [Fact]
    public void The_server_image_is_the_default_target_and_checks_its_health_through_its_own_health_verb()
    {
        var last = Dockerfile.Last(i => i.Keyword == "FROM");
        Assert.Equal("server", last.Stage);
        Assert.Equal(["dotnet", "/app/GmTools.Server.dll", "health-check"], HealthCheckCommand().Take(3));
        Assert.Contains(In("server"), i => i.Keyword == "EXPOSE" && i.Arguments == "8080");
    }

    /// <summary>The HEALTHCHECK's arguments after the verb, as HealthCheckVerbTests runs them against a live replica.</summary>
    internal static string[] HealthCheckArguments() => [.. HealthCheckCommand().Skip(3)];

    private static List<string> HealthCheckCommand()
    {
        var healthcheck = In("server").Single(i => i.Keyword == "HEALTHCHECK");
        var command = healthcheck.Arguments[(healthcheck.Arguments.IndexOf("CMD", StringComparison.Ordinal) + 3)..].Trim();
        return JsonSerializer.Deserialize<List<string>>(command)!;
    }
}
