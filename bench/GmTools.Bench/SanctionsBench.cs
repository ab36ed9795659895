using GmTools.Contracts.V1;
using GmTools.Server;
using GmTools.Server.GameServers;
using GmTools.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

namespace GmTools.Bench;

/// <summary>
/// CheckAccess (the login/chat gate) against a bare Echo, both as a game server over HTTP/2 on loopback,
/// server and load generator in this one process (so they share the cores, as they would on one host).
/// Two CheckAccess mixes: a hot set of 1,000 players (answered mostly in process) and 100,000 players
/// (most calls miss the 1-second in-process entry and go to Redis).
/// </summary>
public static class SanctionsBench
{
    private const string GameServerId = "bench-1";

    public sealed record Settings(string Postgres, string Redis, int Seconds, int Concurrency, int Connections, int Rounds);

    public static async Task<int> RunAsync(Settings settings)
    {
        var (seconds, concurrency, connections, rounds) = (settings.Seconds, settings.Concurrency, settings.Connections, settings.Rounds);
        GameLinkBench.PrintMachine();
        Console.WriteLine($"- load average at start: {WritePathBench.LoadAverage()}");
        var database = await GameLinkBench.CreateDatabaseAsync(settings.Postgres);
        var app = GmToolsHost.Build(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = database,
                ["ConnectionStrings:Redis"] = settings.Redis,
                ["GmTools:Database:MigrateOnStart"] = "true",
                ["GmTools:Jwt:SigningKey"] = "bench-only-signing-key-0123456789-0123456789",
                ["GmTools:Jwt:Issuer"] = "gmtools",
                ["GmTools:Jwt:Audience"] = "gmtools",
                ["GmTools:Redis:KeyPrefix"] = $"bench{Environment.ProcessId}:",
                ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            });
        });
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var credential = await SeedAsync(app.Services);
            Console.WriteLine($"server {address}; {concurrency} concurrent callers over {connections} HTTP/2 connections; {seconds} s per scenario");

            var channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            })).ToArray();
            var headers = new Metadata { { "authorization", credential } };
            var echo = channels.Select(c => new DiagnosticsService.DiagnosticsServiceClient(c)).ToArray();
            var gate = channels.Select(c => new SanctionService.SanctionServiceClient(c)).ToArray();
            var payload = ByteString.CopyFrom(new byte[16]);
            var playerIds = Enumerable.Range(0, 100_000).Select(i => $"bp{i}").ToArray();

            Func<int, long, Task> Echo() => async (w, _) =>
                await echo[w % connections].EchoAsync(new EchoRequest { Payload = payload }, headers);
            Func<int, long, Task> Check(int players) => async (w, n) =>
                await gate[w % connections].CheckAccessAsync(
                    new CheckAccessRequest { PlayerId = playerIds[(int)((n * 7919 + w * 104729L) % players)], GameServerId = GameServerId }, headers);

            var warm = TimeSpan.FromSeconds(Math.Max(2, seconds / 3));
            await LoadRunner.RunAsync("warm-up", concurrency, warm, Echo());
            await LoadRunner.RunAsync("warm-up", concurrency, warm, Check(100_000));

            // Short interleaved slices, so that the baseline and the gate see the same neighbours on a shared machine.
            var results = new List<LoadResult>();
            var slice = TimeSpan.FromSeconds(Math.Max(1, seconds / rounds));
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (name, call) in new[] { ("Echo (baseline)", Echo()), ("CheckAccess, 1,000 hot players", Check(1_000)), ("CheckAccess, 100,000 players", Check(100_000)) })
                {
                    results.Add(await LoadRunner.RunAsync(name, concurrency, slice, call));
                }
            }
            var merged = results.GroupBy(r => r.Name).Select(g => LoadResult.Merge(g.Key, g.ToList())).ToList();
            var echoRate = merged[0].PerSecond;
            Console.WriteLine($"{rounds} interleaved slices of {slice.TotalSeconds:F0} s per scenario:");
            foreach (var r in merged)
            {
                Console.WriteLine($"  {r}   {r.PerSecond / echoRate,5:P0} of Echo");
            }
            foreach (var c in channels)
            {
                c.Dispose();
            }
            Console.WriteLine($"- load average at the end: {WritePathBench.LoadAverage()}");
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A game server, and 100,000 player ids of which every tenth has a mute and every hundredth also a ban.</summary>
    private static async Task<string> SeedAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
        var known = await registry.ListAsync(GmTools.Server.Security.Caller.System, CancellationToken.None);
        var issued = known.Any(g => g.GameServerId == GameServerId)
            ? await registry.RotateAsync(GameServerId, "bench", CancellationToken.None)
            : await registry.RegisterAsync(GameServerId, "Bench", "bench", "bench", CancellationToken.None);
        var db = services.GetRequiredService<NpgsqlDataSource>();
        await using var cmd = db.CreateCommand("""
            DELETE FROM sanctions WHERE issued_by = 'bench';
            INSERT INTO sanctions (player_id, kind, scope_game_server_id, player_game_server_id, issued_at, ends_at, reason_code, reason,
                evidence_chat_line_ids, evidence_anomaly_report_ids, ticket_ref, issued_by, ladder_step, override_reason, lifted_as_wrongful)
            SELECT 'bp' || i, CASE WHEN i % 100 = 0 THEN 'ban' ELSE 'mute' END, CASE WHEN i % 20 = 0 THEN NULL ELSE 'bench-1' END, 'bench-1',
                now(), now() + interval '30 days', 'chat_abuse', 'bench', '{}', '{}', '', 'bench', 0, '', false
            FROM generate_series(0, 99999, 10) AS i;
            """);
        await cmd.ExecuteNonQueryAsync();
        return $"{GameServerCredential.Scheme} {issued.Credential}";
    }
}
