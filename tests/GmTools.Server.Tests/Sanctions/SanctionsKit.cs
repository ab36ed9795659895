using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>Sanctions tests run with a small guard rail so it is reachable with a handful of players.</summary>
public class SanctionsFixture : ServerFixture
{
    public const int GuardRail = 3;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Sanctions:GuardRailPlayersPerMinute"] = GuardRail.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GmTools:Sanctions:MaxMuteDuration"] = "30.00:00:00",
    };
}

internal static class SanctionsKit
{
    public static SanctionService.SanctionServiceClient Staff(this ServerFixture fx, string user, Role role = Role.Gm) =>
        new(fx.StaffChannel(user, role));

    public static SanctionService.SanctionServiceClient ScopedStaff(this ServerFixture fx, string user, string[] servers, Role role = Role.Gm) =>
        new(fx.Server.Channel(fx.Server.ScopedStaffToken(user, servers, role)));

    public static async Task<SanctionService.SanctionServiceClient> GameServerAsync(this ServerFixture fx, string gameServerId, GmToolsFactory? replica = null) =>
        new((replica ?? fx.Server).Channel(await fx.GameServerCredentialAsync(gameServerId)));

    /// <summary>(game server, kind) of the outbox rows a sanction caused, in id order.</summary>
    public static async Task<List<(string GameServerId, string Kind)>> OutboxAsync(this ServerFixture fx, long sanctionId)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT game_server_id, kind FROM gamelink_outbox WHERE correlation_id = @c ORDER BY command_id", conn);
        cmd.Parameters.AddWithValue("c", $"sanction:{sanctionId}");
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    public static async Task<(long Sanctions, long Outbox, long Audit)> CountsAsync(this ServerFixture fx) =>
        (await fx.ScalarAsync("SELECT count(*) FROM sanctions"),
         await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox"),
         await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action LIKE 'sanction.%' OR action LIKE 'appeal.%'"));

    public static T With<T>(this T message, Action<T> change) where T : Google.Protobuf.IDeepCloneable<T>
    {
        var copy = message.Clone();
        change(copy);
        return copy;
    }

    public static SanctionScope OnServer(string id) => new() { GameServerId = id };

    public static SanctionScope AllServers => new() { AllGameServers = true };

    public static SanctionEnd For(TimeSpan d) => new() { Duration = Duration.FromTimeSpan(d) };

    public static SanctionEnd At(DateTimeOffset t) => new() { EndsAt = Timestamp.FromDateTimeOffset(t) };

    public static IssueSanctionRequest Mute(string player, string server, TimeSpan? d = null) => new()
    {
        PlayerId = player,
        Kind = SanctionKind.Mute,
        Scope = OnServer(server),
        End = For(d ?? TimeSpan.FromHours(1)),
        ReasonCode = "chat_abuse",
        Reason = "spamming world chat",
        OverrideReason = "fixed test duration",
    };

    public static IssueSanctionRequest Ban(string player, SanctionScope scope) => new()
    {
        PlayerId = player,
        Kind = SanctionKind.Ban,
        Scope = scope,
        End = For(TimeSpan.FromDays(7)),
        ReasonCode = "cheating",
        Reason = "speed hack confirmed",
        Evidence = new SanctionEvidence { AnomalyReportIds = { "an-1" } },
        TicketRef = "T-1",
    };

    public static async Task<RpcException> RefusedAsync(Func<Task> call, StatusCode expected)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, ex.StatusCode);
        return ex;
    }

    /// <summary>The short name the kits' tests use for <see cref="TestSql.ViolatedFields"/>.</summary>
    public static IReadOnlyList<string> Fields(this RpcException ex) => ex.ViolatedFields();

    /// <summary>Polls a cross-process effect (pub/sub) with a bounded real-time wait.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(20);
        }
        return await condition();
    }
}
