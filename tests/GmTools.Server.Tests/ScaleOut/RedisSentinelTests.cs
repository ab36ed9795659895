using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Sanctions;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.ScaleOut;

/// <summary>A private Redis and a Sentinel watching it; every replica is given only the Sentinel and the service name.</summary>
public sealed class RedisSentinelFixture : SanctionsFixture
{
    public const string Service = "gm-primary";

    public PrivateRedis Primary { get; private set; } = null!;

    public PrivateRedis Sentinel { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:Sanctions:AccessSet:Enabled"] = "false",
        // What is proven is where the cache's keys go, not the 250 ms production bound: a busy suite must not turn
        // the fill into a Redis timeout and a 5 s skip of Redis.
        ["GmTools:Sanctions:RedisTimeout"] = TimeSpan.FromSeconds(5).ToString(),
        ["ConnectionStrings:Redis"] = $"{Sentinel.ConnectionString},serviceName={Service}",
    };

    public override async Task InitializeAsync()
    {
        Primary = await PrivateRedis.StartAsync();
        Sentinel = await PrivateRedis.StartSentinelAsync(Primary, Service);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Sentinel.DisposeAsync();
        await Primary.DisposeAsync();
    }
}

[Collection(RunsAlone.Name)]
public sealed class RedisSentinelTests(RedisSentinelFixture fx) : IClassFixture<RedisSentinelFixture>
{
    [Fact]
    public async Task A_sentinel_connection_string_reaches_the_primary_it_names_for_the_cache_and_pub_sub()
    {
        const string gs = "sn-1";
        var connection = fx.Server.Services.GetRequiredService<RedisConnection>();
        Assert.Contains(connection.Multiplexer.GetEndPoints(), e => e.ToString()!.EndsWith($":{fx.Primary.Port}", StringComparison.Ordinal));
        await fx.AddPlayerAsync("p-sn", gs);
        var b = fx.AddReplica();
        var onB = await fx.GameServerAsync(gs, b);
        var check = new CheckAccessRequest { PlayerId = "p-sn", GameServerId = gs };
        Assert.True((await onB.CheckAccessAsync(check)).MayChat);

        await using var direct = await ConnectionMultiplexer.ConnectAsync(fx.Primary.ConnectionString);
        // The fill is fire-and-forget after a miss, and a Redis timeout on a busy machine skips Redis for 5 s: ask
        // again until a fill lands rather than counting on the first one.
        Assert.True(await EventuallyAsync(async () =>
            {
                await onB.CheckAccessAsync(check);
                return await direct.GetDatabase().KeyExistsAsync(fx.RedisPrefix + SanctionAccessCache.ActiveName("p-sn"));
            }, TimeSpan.FromSeconds(15)),
            "the cache fill never reached the primary the Sentinel names");
        await fx.Staff("gm-sn").IssueSanctionAsync(Mute("p-sn", gs));
        Assert.True(await EventuallyAsync(async () => !(await onB.CheckAccessAsync(check)).MayChat, TimeSpan.FromSeconds(1.5)),
            "replica B did not hear the invalidation through the Sentinel-managed connection");
    }
}
