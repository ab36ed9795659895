using GmTools.Server.Sanctions;

namespace GmTools.Server.Tests.Sanctions;

public sealed class AccessRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Overlapping_sanctions_block_until_the_latest_end_and_ended_or_foreign_ones_do_not_count()
    {
        ActiveSanction[] sanctions =
        [
            new(IsBan: false, "s1", Now.AddHours(1)),
            new(IsBan: false, null, Now.AddHours(3)),
            new(IsBan: true, "s2", Now.AddDays(1)),   // another server
            new(IsBan: true, "s1", Now.AddMinutes(-1)), // already over
        ];
        var d = AccessRules.Decide(sanctions, "s1", Now);
        Assert.True(d.MayLogIn);
        Assert.False(d.MayChat);
        Assert.Equal(Now.AddHours(3), d.ChatBlockedUntil);
        Assert.False(d.ChatBlockedPermanently);

        var onS2 = AccessRules.Decide(sanctions, "s2", Now);
        Assert.False(onS2.MayLogIn);
        Assert.Equal(Now.AddDays(1), onS2.LoginBlockedUntil);
        Assert.Equal(Now.AddDays(1), onS2.ChatBlockedUntil); // a banned player may not chat either

        Assert.True(AccessRules.Decide(sanctions, "s1", Now.AddHours(3)).MayChat);
    }

    [Fact]
    public void A_permanent_sanction_wins_over_any_end_and_the_redis_form_round_trips()
    {
        ActiveSanction[] sanctions = [new(IsBan: true, null, null), new(IsBan: false, "s9", Now.AddHours(2))];
        var d = AccessRules.Decide(sanctions, "s9", Now);
        Assert.False(d.MayLogIn);
        Assert.True(d.LoginBlockedPermanently);
        Assert.Null(d.LoginBlockedUntil);
        Assert.True(d.ChatBlockedPermanently);

        Assert.Equal(sanctions, AccessRules.Decode(AccessRules.Encode(sanctions)));
        Assert.Empty(AccessRules.Decode(AccessRules.Encode([]))!);
        Assert.Null(AccessRules.Decode("garbage"));
    }
}
