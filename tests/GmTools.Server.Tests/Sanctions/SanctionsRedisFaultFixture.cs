using GmTools.Server.Tests.Infrastructure;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>A server replica on a private Redis that the tests flush and stop.</summary>
public sealed class SanctionsRedisFaultFixture : SanctionsFixture
{
    public PrivateRedis Redis { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["ConnectionStrings:Redis"] = Redis.ConnectionString,
    };

    public override async Task InitializeAsync()
    {
        Redis = await PrivateRedis.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
