using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Simulator;
using Grpc.Core;
using Grpc.Net.Client;

// gmtools-simulator [run] --server URL --credential "GameServer id.secret" [--credential ...]
//                   [--ack-delay-ms N] [--fail-rate 0.0-1.0] [--duration-s N] [--report-every-s N] [--pull] [--quiet]
// Credentials may also come from GMTOOLS_SIM_CREDENTIALS (separated by ',' or newlines). Each credential is one
// simulated game server (its id is the part of the credential before the dot). Each command is printed as it arrives
// (--quiet: only the periodic totals).
if (args.Length > 0 && args[0] == "anomalies")
{
    return await SimulatedAnomalies.RunAsync(args[1..]);
}
var cli = SimulatorCli.Parse(args);
if (cli.Error is not null)
{
    await Console.Error.WriteLineAsync(cli.Error);
    await Console.Error.WriteLineAsync("usage: run --server URL --credential \"GameServer id.secret\" [--credential ...] [--ack-delay-ms N] [--fail-rate F] [--duration-s N] [--report-every-s N] [--pull] [--quiet]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
if (cli.Duration > TimeSpan.Zero)
{
    stop.CancelAfter(cli.Duration);
}

using var channel = GrpcChannel.ForAddress(cli.Server, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
});
var client = new GameLinkService.GameLinkServiceClient(channel);
var options = new SimulatorOptions { AckDelay = cli.AckDelay, FailRate = cli.FailRate };
var servers = cli.Credentials.Select(c => new SimulatedGameServer(SimulatorCli.GameServerIdOf(c), client, options, new Metadata { { "authorization", c } })).ToList();
foreach (var s in servers)
{
    s.Welcomed += w => Console.WriteLine($"{s.GameServerId}: connected to replica {w.ReplicaId} (session {w.SessionId})");
    if (!cli.Quiet)
    {
        s.CommandReceived += (command, first) =>
            Console.WriteLine($"{s.GameServerId}: #{command.CommandId} {SimulatorCli.Describe(command)}{(first ? "" : " (again, already applied)")}");
    }
}

var clock = Stopwatch.StartNew();
var runs = servers.Select(s => cli.Pull ? PullLoopAsync(s, stop.Token) : s.RunAsync(stop.Token)).ToList();
var report = ReportAsync(stop.Token);
try
{
    await Task.WhenAll(runs);
}
catch (RpcException ex)
{
    await Console.Error.WriteLineAsync($"stopped: {ex.Status.StatusCode} {ex.Status.Detail}");
    return 1;
}
await report;
Print();
return 0;

async Task PullLoopAsync(SimulatedGameServer s, CancellationToken ct)
{
    while (!ct.IsCancellationRequested)
    {
        try
        {
            if (await s.PullOnceAsync(1000, ct) == 0)
            {
                await Task.Delay(500, ct);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return;
        }
    }
}

async Task ReportAsync(CancellationToken ct)
{
    try
    {
        while (true)
        {
            await Task.Delay(cli.ReportEvery, ct);
            Print();
        }
    }
    catch (OperationCanceledException)
    {
    }
}

void Print()
{
    var received = servers.Sum(s => s.Received);
    var applied = servers.Sum(s => s.Applied);
    Console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] servers={servers.Count} received={received} applied={applied} duplicates={servers.Sum(s => s.Duplicates)} " +
                      $"failed={servers.Sum(s => s.Failed)} acked={servers.Sum(s => s.AcksSent)} sessions={servers.Sum(s => s.Sessions)} " +
                      $"rate={applied / Math.Max(0.001, clock.Elapsed.TotalSeconds):0}/s");
}
