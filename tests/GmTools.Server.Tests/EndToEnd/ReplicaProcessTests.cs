using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;
using Role = GmTools.Server.Security.Role;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GmTools.Server.Tests.EndToEnd;

/// <summary>
/// Several replicas as real processes: three <c>GmTools.Server</c> processes on their own ports against one
/// PostgreSQL database and one Redis key prefix, and the real simulator process knowing all three (r1 first).
/// A ban through r2 kicks the player on the game server connected to r1; r1 is stopped gracefully (SIGTERM) and
/// the game server moves to r2 and gets what was queued meanwhile; r2 is frozen, a ban is queued through r3, r2 is
/// killed (SIGKILL) and the game server moves to r3 and gets it. Every command arrives, once.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed partial class ReplicaProcessTests(ITestOutputHelper output)
{
    private const string Gs = "proc-gs";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    // Three cold starts at once on a loaded two-core machine (a quiet one needs a few seconds).
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Players = ["p-a", "p-b", "p-c"];

    [Fact]
    public async Task A_game_server_moves_between_real_replica_processes_on_sigterm_and_sigkill_and_misses_nothing()
    {
        var postgres = await TestDatabase.CreateAsync(nameof(ReplicaProcessTests));
        var prefix = $"t{Guid.NewGuid():N}:";
        var ports = new List<int>();
        while (ports.Count < 3)
        {
            var port = TestPorts.Free();
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }
        var urls = ports.Select(p => $"http://127.0.0.1:{p}").ToArray();
        await using var r1 = StartReplica("r1", urls[0], postgres, prefix);
        await using var r2 = StartReplica("r2", urls[1], postgres, prefix);
        await using var r3 = StartReplica("r3", urls[2], postgres, prefix);
        using var c1 = GrpcChannel.ForAddress(urls[0]);
        using var c2 = GrpcChannel.ForAddress(urls[1]);
        using var c3 = GrpcChannel.ForAddress(urls[2]);
        await Task.WhenAll(ServingAsync(c1, r1), ServingAsync(c2, r2), ServingAsync(c3, r3));

        var admin = Staff("ada.admin", Role.Admin);
        var gm = Staff("gus.gm", Role.Gm);
        var credential = (await new GameServerService.GameServerServiceClient(c2).RegisterGameServerAsync(
            new RegisterGameServerRequest { GameServerId = Gs, DisplayName = "Process test", Reason = "replica process test" }, admin)).Credential;
        var sync = new SyncPlayersRequest { GameServerId = Gs };
        sync.Players.AddRange(Players.Select(id => new PlayerProfile { PlayerId = id, Account = "acc-" + id, CharacterName = "Hero-" + id, Level = 10, Version = 1, Online = true }));
        await new PlayerService.PlayerServiceClient(c2).SyncPlayersAsync(sync, new Metadata { { "authorization", credential } });

        await using var game = ChildProcess.Start("sim", "GmTools.Simulator",
            ["run", "--server", string.Join(',', urls), "--credential", credential, "--report-every-s", "1"], new Dictionary<string, string>(), output);
        await game.WaitForLineAsync(l => l.StartsWith($"{Gs}: connected to replica r1 ", StringComparison.Ordinal), "the game server on r1", Patience);

        // 1. Issued through r2, applied on the game server connected to r1 (Redis tells r1).
        var sanctions2 = new SanctionService.SanctionServiceClient(c2);
        await BanAsync(sanctions2, gm, "p-a");
        await game.WaitForLineAsync(Kick("p-a"), "the kick of p-a via r1", Patience);

        // 2. SIGTERM r1: it goes NOT_SERVING and tells the game server to go; a ban issued once r1 drains can only
        // reach the game server through r2.
        var stopping = Stopwatch.StartNew();
        r1.Signal("TERM");
        await DrainingAsync(c1);
        await BanAsync(sanctions2, gm, "p-b");
        Assert.Equal(0, await r1.WaitForExitAsync(DrainTimeout + TimeSpan.FromSeconds(20)));
        output.WriteLine($"r1 exited {stopping.ElapsedMilliseconds} ms after SIGTERM");
        await game.WaitForLineAsync(l => l.StartsWith($"{Gs}: replica r1 is going away", StringComparison.Ordinal), "r1's go-away", Patience);
        await game.WaitForLineAsync(l => l.StartsWith($"{Gs}: connected to replica r2 ", StringComparison.Ordinal), "the game server on r2", Patience);
        await game.WaitForLineAsync(Kick("p-b"), "the kick of p-b via r2", Patience);
        Assert.Contains(r1.Lines(), l => l.Contains("GameLink drained: 1 streams", StringComparison.Ordinal));

        // 3. Freeze r2 (no goodbye, no RST yet), queue a ban through r3, then SIGKILL r2.
        r2.Signal("STOP");
        await BanAsync(new SanctionService.SanctionServiceClient(c3), gm, "p-c");
        r2.Signal("KILL");
        await game.WaitForLineAsync(l => l.StartsWith($"{Gs}: connected to replica r3 ", StringComparison.Ordinal), "the game server on r3", Patience);
        await game.WaitForLineAsync(Kick("p-c"), "the kick of p-c via r3", Patience);

        // Every command (a kick and a ban notice per player) applied, each id once, and none sent again.
        await using var db = new NpgsqlConnection(postgres);
        await db.OpenAsync();
        var rows = await PollRowsAsync(db, rows => rows.Count == 6 && rows.All(r => r.Outcome == OutboxStore.Applied));
        foreach (var player in Players)
        {
            Assert.Equal(1, rows.Count(r => r.Kind == "kick" && r.Player == player));
        }
        var applied = game.Lines().Select(l => CommandLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(rows.Select(r => r.Id).Order(), applied.Where(m => !m.Groups["again"].Success).Select(m => long.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture)).Order());
        Assert.DoesNotContain(applied, m => m.Groups["again"].Success);

        var links = await new GameLinkService.GameLinkServiceClient(c3).ListGameLinksAsync(new ListGameLinksRequest(), Staff("vic.viewer", Role.Viewer));
        Assert.Equal((GameLinkMode.Stream, "r3"), links.Links.Where(l => l.GameServerId == Gs).Select(l => (l.Mode, l.ReplicaId)).Single());
    }

    private ChildProcess StartReplica(string id, string url, string postgres, string prefix) =>
        ChildProcess.Start(id, "GmTools.Server", ["--urls", url], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = new NpgsqlConnectionStringBuilder(postgres) { MaxPoolSize = 20 }.ConnectionString,
            ["ConnectionStrings__Redis"] = TestEnvironment.Redis,
            ["GmTools__Redis__KeyPrefix"] = prefix,
            ["GmTools__Jwt__SigningKey"] = GmToolsFactory.SigningKey,
            ["GmTools__Database__MigrateOnStart"] = "false",
            ["GmTools__GameLink__ReplicaId"] = id,
            ["GmTools__Quartz__ThreadCount"] = "1",
            ["GmTools__Shutdown__DrainTimeout"] = DrainTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["GmTools__Shutdown__Timeout"] = "00:00:15",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__GmTools.Server.GameLink"] = "Information",
            ["Logging__LogLevel__GmTools.Server.Infrastructure.Shutdown"] = "Information",
        }, output);

    private static Metadata Staff(string user, params Role[] roles)
    {
        var issuer = new StaffTokenIssuer(Options.Create(new JwtOptions { Issuer = "gmtools", Audience = "gmtools", SigningKey = GmToolsFactory.SigningKey }), TimeProvider.System);
        return new Metadata { { "authorization", "Bearer " + issuer.Issue(user, roles) } };
    }

    private static async Task BanAsync(SanctionService.SanctionServiceClient sanctions, Metadata gm, string player) =>
        await sanctions.IssueSanctionAsync(new IssueSanctionRequest
        {
            PlayerId = player, Kind = SanctionKind.Ban, Scope = new SanctionScope { GameServerId = Gs },
            End = new SanctionEnd { Duration = Duration.FromTimeSpan(TimeSpan.FromDays(3)) }, ReasonCode = "cheating",
            Reason = "wall hack seen by two GMs", TicketRef = "T-" + player, OverrideReason = "three days, process test",
        }, gm, deadline: DateTime.UtcNow.AddSeconds(30));

    private static Func<string, bool> Kick(string player) => l => l.StartsWith($"{Gs}: #", StringComparison.Ordinal) && l.Contains($" kick {player} ", StringComparison.Ordinal);

    /// <summary>"proc-gs: #1234 kick p-a (…)" and the same with " (again, already applied)" for a redelivery.</summary>
    [GeneratedRegex(@"^proc-gs: #(?<id>\d+) .*?(?<again> \(again, already applied\))?$")]
    private static partial Regex CommandLine();

    private static async Task ServingAsync(GrpcChannel channel, ChildProcess replica)
    {
        var health = new Health.HealthClient(channel);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(replica.HasExited, $"{replica.Name} exited during start-up");
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Status == ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                // not listening yet
            }
            Assert.True(watch.Elapsed < StartPatience, $"{replica.Name} not serving within {StartPatience.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }

    /// <summary>Until the replica answers NOT_SERVING, or no longer answers at all (drained and gone already).</summary>
    private static async Task DrainingAsync(GrpcChannel channel)
    {
        var health = new Health.HealthClient(channel);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Status == ServingStatus.NotServing)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                return;
            }
            Assert.True(watch.Elapsed < Patience, "the replica kept serving after SIGTERM");
            await Task.Delay(20);
        }
    }

    private sealed record Row(long Id, string Kind, string? Player, string? Outcome);

    private static async Task<List<Row>> PollRowsAsync(NpgsqlConnection db, Func<List<Row>, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var rows = new List<Row>();
            await using (var cmd = new NpgsqlCommand("SELECT command_id, kind, body, outcome FROM gamelink_outbox WHERE game_server_id = @gs ORDER BY command_id", db))
            {
                cmd.Parameters.AddWithValue("gs", Gs);
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync())
                {
                    var command = GameCommand.Parser.ParseFrom(r.GetFieldValue<byte[]>(2));
                    rows.Add(new Row(r.GetInt64(0), r.GetString(1), command.Kick?.PlayerId ?? command.Ban?.PlayerId, r.IsDBNull(3) ? null : r.GetString(3)));
                }
            }
            if (done(rows))
            {
                return rows;
            }
            Assert.True(watch.Elapsed < Patience, $"outbox of {Gs}: {string.Join(", ", rows)}");
            await Task.Delay(50);
        }
    }
}
