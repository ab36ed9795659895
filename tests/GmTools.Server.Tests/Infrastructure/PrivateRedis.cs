using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// A redis-server of a test's own (GMTOOLS_REDIS_SERVER), for fault tests that stop and start Redis without
/// disturbing the shared instance. No persistence: a restart comes back empty, as a flushed Redis would.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string[] _leading;
    private Process? _process;

    private PrivateRedis(string bin, int port, params string[] leading)
    {
        _bin = bin;
        _leading = leading;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var bin = TestEnvironment.RedisServer ?? throw new InvalidOperationException("GMTOOLS_REDIS_SERVER is not set: run through deploy/test.sh");
        var redis = new PrivateRedis(bin, TestPorts.Free());
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>
    /// A Redis Sentinel (redis-server --sentinel) watching <paramref name="primary"/> as <paramref name="service"/>,
    /// quorum 1; its connection string is the one a client passes with serviceName=.
    /// </summary>
    public static async Task<PrivateRedis> StartSentinelAsync(PrivateRedis primary, string service)
    {
        var bin = TestEnvironment.RedisServer ?? throw new InvalidOperationException("GMTOOLS_REDIS_SERVER is not set: run through deploy/test.sh");
        var conf = Path.Combine(Path.GetTempPath(), $"gmtools-sentinel-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(conf, $"sentinel monitor {service} 127.0.0.1 {primary.Port} 1\n");
        var sentinel = new PrivateRedis(bin, TestPorts.Free(), conf, "--sentinel");
        await sentinel.StartAgainAsync();
        return sentinel;
    }

    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var psi = new ProcessStartInfo(_bin, [.. _leading, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("redis-server did not start listening");
    }

    /// <summary>Empties the whole private instance, as an operator's FLUSHALL would.</summary>
    public async Task FlushAsync()
    {
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");
        await admin.GetServer(ConnectionString).FlushDatabaseAsync();
    }

    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

}
