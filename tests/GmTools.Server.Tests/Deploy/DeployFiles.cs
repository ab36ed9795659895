using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using GmTools.Server.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace GmTools.Server.Tests.Deploy;

/// <summary>Reads the files under deploy/ the way the tools that use them do (YAML with merge keys, a Dockerfile).</summary>
internal static partial class DeployFiles
{
    public static string Root => TestEnvironment.RepositoryRoot;

    /// <summary>
    /// Runs a program to its end (killed with its children after <paramref name="limit"/>) and returns its exit code
    /// and everything it printed, standard output first.
    /// </summary>
    public static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> args, string workingDirectory,
        TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every document of a YAML file, merge keys (<c>&lt;&lt;: *anchor</c>) applied, as compose applies them.</summary>
    public static List<object?> LoadYaml(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<object?>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<object?>(parser));
        }
        return documents;
    }

    public static Dictionary<object, object> Map(object? node, string what) =>
        node as Dictionary<object, object> ?? throw new Xunit.Sdk.XunitException($"{what}: expected a mapping, found {node?.GetType().Name ?? "nothing"}");

    public static List<object> List(object? node, string what) =>
        node as List<object> ?? throw new Xunit.Sdk.XunitException($"{what}: expected a sequence, found {node?.GetType().Name ?? "nothing"}");

    /// <summary>The value at a dotted path ("spec.template.spec"), or null where any step is missing.</summary>
    public static object? At(object? node, string path)
    {
        foreach (var step in path.Split('.'))
        {
            if (node is not Dictionary<object, object> map || !map.TryGetValue(step, out node))
            {
                return null;
            }
        }
        return node;
    }

    public static string? Text(object? node, string path) => At(node, path) as string;

    /// <summary>One instruction of a Dockerfile, continuation lines joined, with the stage it belongs to.</summary>
    public sealed record Instruction(string Stage, string Keyword, string Arguments, int Line)
    {
        /// <summary>The words of a shell-form instruction, or the strings of an exec-form (JSON array) one.</summary>
        public IReadOnlyList<string> Words => Arguments.TrimStart().StartsWith('[')
            ? System.Text.Json.JsonSerializer.Deserialize<List<string>>(Arguments)!
            : Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    public static List<Instruction> ReadDockerfile(string path)
    {
        var result = new List<Instruction>();
        var stage = "";
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var start = i + 1;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                text = text[..^1].TrimEnd() + (next.StartsWith('#') ? "" : " " + next);
            }
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : text[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var m = FromAs().Match(arguments);
                stage = m.Success ? m.Groups[1].Value : $"#{result.Count(x => x.Keyword == "FROM")}";
            }
            result.Add(new Instruction(stage, keyword, arguments, start));
        }
        return result;
    }

    /// <summary>True when .dockerignore keeps this repository path out of the build context.</summary>
    public static bool DockerIgnored(string relativePath)
    {
        var segments = relativePath.Trim('/').Split('/');
        foreach (var raw in File.ReadAllLines(PathOf(".dockerignore")))
        {
            var pattern = raw.Trim();
            if (pattern.Length == 0 || pattern.StartsWith('#'))
            {
                continue;
            }
            pattern = pattern.TrimEnd('/');
            if (pattern.StartsWith("**/", StringComparison.Ordinal))
            {
                var name = Glob(pattern[3..]);
                if (segments.Any(s => name.IsMatch(s)))
                {
                    return true;
                }
            }
            else if (relativePath.Trim('/') == pattern || relativePath.StartsWith(pattern + "/", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A project and every project it references, transitively, as repository-relative paths.</summary>
    public static List<string> ProjectClosure(string relativeProject)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([relativeProject]);
        while (pending.TryPop(out var project))
        {
            if (seen.Contains(project))
            {
                continue;
            }
            seen.Add(project);
            var dir = Path.GetDirectoryName(PathOf(project))!;
            foreach (var reference in XDocument.Load(PathOf(project)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(dir, (string)reference.Attribute("Include")!));
                pending.Push(Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/'));
            }
        }
        return seen;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");

    [GeneratedRegex(@"\s+AS\s+([A-Za-z0-9_.-]+)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FromAs();
}
