using System.Diagnostics;
using Xunit.Abstractions;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// A program of this repository run as its own process (<c>dotnet src/X/bin/…/X.dll</c>, the build the tests were
/// built with), its output kept line by line (and copied to the test's output), and POSIX signals to stop, freeze
/// or kill it. Killed on dispose if still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly ITestOutputHelper? _output;

    private ChildProcess(string name, Process process, ITestOutputHelper? output)
    {
        Name = name;
        _process = process;
        _output = output;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The built program of project <paramref name="project"/> (under src/), same configuration as the tests.</summary>
    public static string ProgramOf(string project)
    {
        var testBin = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "src", project, "bin", testBin.Parent!.Name, testBin.Name, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built (the test project references {project}, so building the tests builds it)");
    }

    public static ChildProcess Start(string name, string project, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, ITestOutputHelper? output = null)
    {
        var dll = ProgramOf(project);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        var process = new Process { StartInfo = psi };
        var child = new ChildProcess(name, process, output);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Every line so far (stdout and stderr).</summary>
    public string[] Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (Lines().FirstOrDefault(match) is { } line)
            {
                return line;
            }
            if (watch.Elapsed > within)
            {
                throw new TimeoutException($"{Name}: no line within {within.TotalSeconds:0} s for: {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Sends a POSIX signal: TERM (graceful stop), STOP / CONT (freeze / thaw), KILL.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {Pid} ({Name}) failed with {kill.ExitCode}");
        }
        Log($"<sent SIG{signal}>");
    }

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {within.TotalSeconds:0} s");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(line);
        }
        Log(line);
    }

    private void Log(string line)
    {
        try
        {
            _output?.WriteLine($"[{Name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // the test has finished; its output is closed
        }
    }
}
