using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Simulator;
using Grpc.Core;
using Grpc.Net.Client;

// gmtools-simulator [run] --server URL [--server URL ...] --credential "GameServer id.secret" [--credential ...]
//                   [--ack-delay-ms N] [--fail-rate 0.0-1.0] [--duration-s N] [--report-every-s N] [--pull] [--quiet]
// Credentials may also come from GMTOOLS_SIM_CREDENTIALS (separated by ',' or newlines). Each credential is one
// simulated game server (its id is the part of the credential before the dot). Each command is printed as it arrives
// (--quiet: only the periodic totals). Several --server URLs are several replicas: each game server holds one stream
// and moves to the next replica when its replica goes away (shuts down) or fails.
if (args.Length > 0 && args[0] == "anomalies")
{
    return await SimulatedAnomalies.RunAsync(args[1..]);
}
var cli = SimulatorCli.Parse(args);
if (cli.Error is not null)
{
    await Console.Error.WriteLineAsync(cli.Error);
    await Console.Error.WriteLineAsync("usage: run --server URL [--server URL ...] --credential \"GameServer id.secret\" [--credential ...] [--ack-delay-ms N] [--fail-rate F] [--duration-s N] [--report-every-s N] [--pull] [--quiet]");
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

var channels = cli.Servers.Select(url => GrpcChannel.ForAddress(url, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
})).ToList();
var clients = channels.Select(c => new GameLinkService.GameLinkServiceClient(c)).ToList();
var options = new SimulatorOptions { AckDelay = cli.AckDelay, FailRate = cli.FailRate };
var servers = cli.Credentials.Select(c => new SimulatedGameServer(SimulatorCli.GameServerIdOf(c), clients, options, new Metadata { { "authorization", c } })).ToList();
foreach (var s in servers)
{
    s.Welcomed += w => Console.WriteLine($"{s.GameServerId}: connected to replica {w.ReplicaId} (session {w.SessionId})");
    s.GoingAway += g => Console.WriteLine($"{s.GameServerId}: replica {g.ReplicaId} is going away ({g.Reason}); reconnecting");
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
finally
{
    channels.ForEach(c => c.Dispose());
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
                      $"failed={servers.Sum(s => s.Failed)} acked={servers.Sum(s => s.AcksSent)} sessions={servers.Sum(s => s.Sessions)} go-aways={servers.Sum(s => s.GoAways)} " +
                      $"rate={applied / Math.Max(0.001, clock.Elapsed.TotalSeconds):0}/s");
}
