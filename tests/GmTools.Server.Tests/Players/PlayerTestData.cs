using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Tests.Players;

internal static class PlayerTestData
{
    public static PlayerProfile Profile(string id, string name, long version = 1, string? account = null, string contact = "") => new()
    {
        PlayerId = id,
        Account = account ?? "acc-" + id,
        CharacterName = name,
        Level = 10,
        VipPoints = 5,
        RechargeTotal = 1000,
        LastLoginAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero)),
        Contact = contact,
        Online = false,
        Version = version,
    };

    public static async Task<SyncPlayersResponse> SyncAsync(this PlayerService.PlayerServiceClient client, string server, params PlayerProfile[] profiles)
    {
        var request = new SyncPlayersRequest { GameServerId = server };
        request.Players.AddRange(profiles);
        return await client.SyncPlayersAsync(request);
    }
}
