using System.Globalization;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// Where a fixture's server replicas log: the output of the test that is running (<see cref="ServerFixture.LogTo"/>,
/// called for every test by <see cref="ServerLogFramework"/>), so a failing test shows what the server said while it
/// ran, at the levels appsettings.json sets. Before the first test and between tests, when xunit has no test to give
/// them to, warnings and errors go to standard error and the rest is dropped, so the CI log does not fill with
/// provoked refusals.
/// </summary>
public sealed class TestLog : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();
    private volatile ITestOutputHelper? _output;

    /// <summary>Every warning or error logged so far ("category: message"), for tests that must run without one.</summary>
    public IReadOnlyCollection<string> Warnings => _warnings;

    public void Attach(ITestOutputHelper output) => _output = output;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _output = null;

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {Short(level)} {category}: {message}");
        if (level >= LogLevel.Warning)
        {
            _warnings.Enqueue($"{category}: {message} {exception?.Message}");
        }
        if (exception is not null)
        {
            line += Environment.NewLine + exception;
        }
        if (_output is { } output)
        {
            try
            {
                output.WriteLine(line);
                return;
            }
            catch (InvalidOperationException)
            {
                // that test has ended (a background service logging between tests)
            }
        }
        if (level >= LogLevel.Warning)
        {
            Console.Error.WriteLine(line);
        }
    }

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class Logger(TestLog sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Write(logLevel, category, formatter(state, exception), exception);
    }
}
