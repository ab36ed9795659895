using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Authorization;

public sealed class GameServerAuthFixture : ServerFixture
{
    public const int CacheEntries = 16;
    public const int Failures = 5;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:GameServerAuth:CacheEntries"] = CacheEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GmTools:GameServerAuth:FailuresPerMinutePerSource"] = Failures.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Scenario 8: unauthenticated callers cost no lookup for a bad id, bounded memory, and a per-source limit.</summary>
public sealed class GameServerAuthTests(GameServerAuthFixture fx) : IClassFixture<GameServerAuthFixture>
{
    private Task<WhoAmIResponse> WhoAmIAsync(string authorization) =>
        new IdentityService.IdentityServiceClient(fx.Channel(authorization)).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;

    private GameServerCredentialCache Cache => fx.Server.Services.GetRequiredService<GameServerCredentialCache>();

    [Fact]
    public async Task Ids_of_the_wrong_shape_cost_no_lookup_unknown_ids_are_bounded_and_a_failing_source_is_throttled()
    {
        var good = await fx.GameServerCredentialAsync("auth-ok");
        Assert.Equal("auth-ok", (await WhoAmIAsync(good)).Caller.GameServerId);
        var cached = Cache.Count;

        // Wrong shapes: no credential lookup, no cache entry. (Only lookups are counted: pollers share the database.)
        using (var counter = new DatabaseCommandCounter(fx.Postgres, touching: "game_servers"))
        {
            foreach (var bad in new[] { new string('a', 5000) + ".x", "UPPER.x", "a.", "-x.y", "ok-id." + new string('f', 65) })
            {
                await RefusedAsync(() => WhoAmIAsync("GameServer " + bad), StatusCode.Unauthenticated);
            }
            Assert.Equal(0, counter.RoundTrips);
        }
        Assert.Equal(cached, Cache.Count);

        // The source has now failed Failures times: it is refused before any lookup, even with a good credential.
        using (var counter = new DatabaseCommandCounter(fx.Postgres, touching: "game_servers"))
        {
            await RefusedAsync(() => WhoAmIAsync("GameServer unknown-1.abc"), StatusCode.ResourceExhausted);
            Assert.Equal(0, counter.RoundTrips);
        }
        await RefusedAsync(() => WhoAmIAsync(good), StatusCode.ResourceExhausted);

        // A minute later the window is over. Many unknown well-shaped ids each cost one lookup, but the cache stays bounded.
        for (var round = 0; round < 8; round++)
        {
            fx.Clock.Advance(TimeSpan.FromMinutes(1));
            for (var i = 0; i < GameServerAuthFixture.Failures; i++)
            {
                await RefusedAsync(() => WhoAmIAsync($"GameServer nope-{round}-{i}.abc"), StatusCode.Unauthenticated);
            }
        }
        Assert.InRange(Cache.Count, 0, GameServerAuthFixture.CacheEntries);

        // The counter does see a lookup when there is one, so the zeros above are not a blind counter's.
        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        using (var counter = new DatabaseCommandCounter(fx.Postgres, touching: "game_servers"))
        {
            await RefusedAsync(() => WhoAmIAsync("GameServer nope-last.abc"), StatusCode.Unauthenticated);
            Assert.Equal(1, counter.RoundTrips);
        }
        fx.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("auth-ok", (await WhoAmIAsync(good)).Caller.GameServerId);
    }
}
