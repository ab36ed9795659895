using GmTools.Server.Tests.Infrastructure;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>
/// No scheduler, no chainer and no chat-rule poll (every 500 ms by default, on the real clock), so every command the
/// database sees during a call is the call's own.
/// </summary>
public sealed class SanctionRoundTripFixture : SanctionsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Audit:ChainerEnabled"] = "false",
        ["GmTools:ChatWatch:RulePollInterval"] = "01:00:00",
        // Background readers on the same database would be counted too. With the set on, a mute adds one reload of
        // the player after its commit (ActiveSanctionSet; ActiveSanctionSetTests).
        ["GmTools:Sanctions:AccessSet:Enabled"] = "false",
    };
}

/// <summary>
/// On a busy 2-core machine every PostgreSQL round trip waits to be scheduled twice, so a mute's throughput is
/// bounded by how many it sends (docs/benchmarks.md, write path). These pin the count (COMMIT not counted) so it
/// only goes down.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class SanctionRoundTripTests(SanctionRoundTripFixture fx, Xunit.Abstractions.ITestOutputHelper output) : ServerTest<SanctionRoundTripFixture>(fx, output), IClassFixture<SanctionRoundTripFixture>
{
    private async Task<(long RoundTrips, string Texts)> RoundTripsOfAsync(Func<Task> call)
    {
        using var counter = new DatabaseCommandCounter(Fx.Postgres);
        await call();
        var texts = $"{counter.RoundTrips} round trips:\n  " + string.Join("\n  ", counter.Texts());
        Output.WriteLine(texts);
        return (counter.RoundTrips, texts);
    }

    [Fact]
    public async Task A_mute_on_one_server_sends_three_commands_before_its_commit()
    {
        await Fx.GameServerCredentialAsync("rt-1");
        await Fx.AddPlayerAsync("p-rt-1", "rt-1");
        await Fx.AddPlayerAsync("p-rt-2", "rt-1");
        var gm = Fx.Staff("gm-rt");
        await gm.IssueSanctionAsync(Mute("p-rt-2", "rt-1")); // warm: EF's first query compiles, the pool opens

        var (trips, texts) = await RoundTripsOfAsync(() => gm.IssueSanctionAsync(Mute("p-rt-1", "rt-1")).ResponseAsync);
        // player, scope and ladder; guard-rail lock, count and id; sanction, command and audit record (was 8, then 4).
        Assert.True(trips is >= 1 and <= 3, texts);
    }

    [Fact]
    public async Task A_retryable_mute_with_an_idempotency_key_adds_three_commands()
    {
        await Fx.GameServerCredentialAsync("rt-2");
        await Fx.AddPlayerAsync("p-rt-3", "rt-2");
        await Fx.AddPlayerAsync("p-rt-4", "rt-2");
        var gm = Fx.Staff("gm-rt2");
        await gm.IssueSanctionAsync(Mute("p-rt-4", "rt-2").With(m => m.IdempotencyKey = "rt-warm"));

        var (trips, texts) = await RoundTripsOfAsync(() => gm.IssueSanctionAsync(Mute("p-rt-3", "rt-2").With(m => m.IdempotencyKey = "rt-key")).ResponseAsync);
        // the key's lookup, claim and stored response on top.
        Assert.True(trips is >= 1 and <= 6, texts);
    }
}
