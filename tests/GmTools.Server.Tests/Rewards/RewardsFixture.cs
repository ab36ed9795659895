using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>
/// A database with two game servers, a small catalogue and small limits: an agent may grant 1,000 per
/// grant and 3,000 per day; a grant reaches at most 5 players.
/// </summary>
public class RewardsFixture : ServerFixture
{
    private readonly Dictionary<string, string> _credentials = [];

    /// <summary>The GameLink client of a registered game server (s1, s2), authenticated as that game server.</summary>
    public GameLinkService.GameLinkServiceClient GameLink(string gameServerId) => new(Server.Channel(_credentials[gameServerId]));

    public string Credential(string gameServerId) => _credentials[gameServerId];

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Rewards:MaxPlayersPerGrant"] = "5",
        ["GmTools:Rewards:Limits:Agent:PerGrant"] = "1000",
        ["GmTools:Rewards:Limits:Agent:PerDay"] = "3000",
        ["GmTools:Rewards:Limits:Supervisor:PerGrant"] = "100000",
        ["GmTools:Rewards:Limits:Supervisor:PerDay"] = "1000000",
        ["GmTools:Rewards:Campaigns:ChunkSize"] = "200",
        ["GmTools:Rewards:Campaigns:MaxPlayersPerUpload"] = "1000",
        ["GmTools:Rewards:Campaigns:RetryInterval"] = "00:00:01",
        ["GmTools:Quartz:ClusterCheckinInterval"] = "00:00:02",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var registry = scope.ServiceProvider.GetRequiredService<GameServerRegistry>();
            foreach (var gs in new[] { "s1", "s2" })
            {
                var issued = await registry.RegisterAsync(gs, gs.ToUpperInvariant(), "test", "test", CancellationToken.None);
                _credentials[gs] = $"{GmTools.Server.Security.GameServerCredential.Scheme} {issued.Credential}";
            }
        }
        var admin = Rewards("ada", Role.Admin);
        await admin.UpsertCatalogueItemAsync(Item("gold", ItemKind.Currency, 1, true));
        await admin.UpsertCatalogueItemAsync(Item("gem", ItemKind.Item, 100, true));
        await admin.UpsertCatalogueItemAsync(Item("old-sword", ItemKind.Item, 10, false));
        await InsertPlayersAsync(Enumerable.Range(1, 20).Select(i => ($"p{i:D3}", i <= 10 ? "s1" : "s2")));
    }

    public RewardService.RewardServiceClient Rewards(string user, params Role[] roles) => new(StaffChannel(user, roles));

    public RewardService.RewardServiceClient ScopedRewards(string user, string[] servers, params Role[] roles) =>
        new(Server.Channel(Server.ScopedStaffToken(user, servers, roles)));

    private static UpsertCatalogueItemRequest Item(string id, ItemKind kind, long value, bool active) =>
        new() { Item = new CatalogueItem { ItemId = id, Name = id, Kind = kind, UnitValue = value, Active = active }, Reason = "catalogue setup" };

    /// <summary>Players straight into the table with binary COPY, as the sync would have left them.</summary>
    public async Task InsertPlayersAsync(IEnumerable<(string PlayerId, string GameServerId)> players, DateTimeOffset? lastLogin = null, bool online = false)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var copy = await conn.BeginBinaryImportAsync(
            "COPY players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version, synced_at) FROM STDIN (FORMAT BINARY)");
        foreach (var (id, server) in players)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(id, NpgsqlDbType.Varchar);
            await copy.WriteAsync("acc-" + id, NpgsqlDbType.Varchar);
            await copy.WriteAsync(server, NpgsqlDbType.Varchar);
            await copy.WriteAsync("Name " + id, NpgsqlDbType.Varchar);
            await copy.WriteAsync(10, NpgsqlDbType.Integer);
            await copy.WriteAsync(0L, NpgsqlDbType.Bigint);
            await copy.WriteAsync(0L, NpgsqlDbType.Bigint);
            if (lastLogin is { } at)
            {
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
            }
            else
            {
                await copy.WriteNullAsync();
            }
            await copy.WriteAsync("", NpgsqlDbType.Varchar);
            await copy.WriteAsync(online, NpgsqlDbType.Boolean);
            await copy.WriteAsync(1L, NpgsqlDbType.Bigint);
            await copy.WriteAsync(Clock.GetUtcNow(), NpgsqlDbType.TimestampTz);
        }
        await copy.CompleteAsync();
    }

    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The game server's side, through the real GameLink RPCs: it pulls, one command at a time in delivery order,
    /// until this one has been handed to it (unless it was already), then acknowledges it. Returns how many rows
    /// the ack settled.
    /// </summary>
    public async Task<int> AckAsync(string correlationId, string outcome = "applied", string? failure = null)
    {
        var (commandId, gameServerId) = await CommandAsync(correlationId);
        var link = GameLink(gameServerId);
        // Pull until the command has been handed out. An empty pull is not "nothing left": the write-order horizon
        // stops below any older transaction of this database still open (a replica's background job, a sweep).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await HandedOutOrSettledAsync(commandId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{correlationId} was never handed out by a pull");
            var pulled = await link.PullCommandsAsync(new PullCommandsRequest { GameServerId = gameServerId, MaxCommands = 1 });
            if (pulled.Commands.Count == 0)
            {
                await Task.Delay(20);
            }
        }
        var ack = new AckCommandsRequest { GameServerId = gameServerId };
        ack.Acks.Add(new CommandAck { CommandId = commandId, Success = outcome == "applied", FailureReason = failure ?? "" });
        return (await link.AckCommandsAsync(ack)).Settled;
    }

    private async Task<bool> HandedOutOrSettledAsync(long commandId)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT last_sent_at IS NOT NULL OR outcome IS NOT NULL FROM gamelink_outbox WHERE command_id = @id", conn);
        cmd.Parameters.AddWithValue("id", commandId);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The outbox row's command id and game server (what the game server read off the command it got).</summary>
    public async Task<(long CommandId, string GameServerId)> CommandAsync(string correlationId)
    {
        await using var conn = new NpgsqlConnection(Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT command_id, game_server_id FROM gamelink_outbox WHERE correlation_id = @c", conn);
        cmd.Parameters.AddWithValue("c", correlationId);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), $"no outbox row for {correlationId}");
        return (r.GetInt64(0), r.GetString(1));
    }
}
