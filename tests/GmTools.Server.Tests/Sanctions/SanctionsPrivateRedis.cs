using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GmTools.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>A redis-server of a test's own, to flush or stop without disturbing the shared one.</summary>
public sealed class SanctionsPrivateRedis : IAsyncDisposable
{
    private Process? _process;

    private SanctionsPrivateRedis(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<SanctionsPrivateRedis> StartAsync()
    {
        var redis = new SanctionsPrivateRedis(FreePort());
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        var binary = TestEnvironment.RedisServer ?? throw new InvalidOperationException("GMTOOLS_REDIS_SERVER is not set: run through deploy/test.sh");
        var psi = new ProcessStartInfo(binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        throw new InvalidOperationException($"redis-server did not start on port {Port}");
    }

    public async Task FlushAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");
        await admin.GetServer(ConnectionString).FlushDatabaseAsync();
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>A server replica on a private Redis that the tests flush and stop.</summary>
public sealed class SanctionsRedisFaultFixture : SanctionsFixture
{
    public SanctionsPrivateRedis Redis { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["ConnectionStrings:Redis"] = Redis.ConnectionString,
    };

    public override async Task InitializeAsync()
    {
        Redis = await SanctionsPrivateRedis.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
