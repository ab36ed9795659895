namespace GmTools.Server.Demo;

/// <summary>
/// The named players of the demo world, with fixed ids, so the README's quick start and every seeder can refer to
/// them. The rest of the world is random but repeatable (Players/DemoPlayers).
/// </summary>
public static class DemoStory
{
    /// <summary>On s1, clean so far: the quick start finds him by name and bans him.</summary>
    public const string Cheater = "p900001";

    /// <summary>On s1: lost items in an outage; the quick start compensates her.</summary>
    public const string Compensated = "p900002";

    /// <summary>On s1: banned for gold selling, has appealed; the appeal waits for a decision.</summary>
    public const string Appellant = "p900003";

    /// <summary>On s1: muted now for chat abuse; an earlier mute expired and one was lifted as wrongful.</summary>
    public const string Repeater = "p900004";

    /// <summary>On s2: a big spender whose grant is above the agent limit, waiting in the approval inbox.</summary>
    public const string Whale = "p900005";

    /// <summary>On s3: botting, banned for good.</summary>
    public const string Bot = "p900006";

    public static readonly (string PlayerId, string GameServerId, string Account, string Name, int Level, long VipPoints, long RechargeTotal)[] Players =
    [
        (Cheater, "s1", "acct900001", "外挂王", 87, 1_200, 6_800),
        (Compensated, "s1", "acct900002", "小龙女", 95, 12_000, 320_000),
        (Appellant, "s1", "acct900003", "金币商人", 60, 300, 0),
        (Repeater, "s1", "acct900004", "嘴炮侠", 42, 800, 2_000),
        (Whale, "s2", "acct900005", "土豪张", 110, 180_000, 4_800_000),
        (Bot, "s3", "acct900006", "挂机001", 33, 0, 0),
    ];
}
