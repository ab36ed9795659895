namespace GmTools.Server.ChatWatch;

/// <summary>Stored channel names.</summary>
public static class ChatChannels
{
    public const string World = "world";
    public const string Shout = "shout";
    public const string Guild = "guild";
    public const string Private = "private";
}

/// <summary>Where a flag stands in the review queue.</summary>
public static class ChatReviewStates
{
    public const string Pending = "pending";
    public const string Claimed = "claimed";
    public const string Confirmed = "confirmed";
    public const string Dismissed = "dismissed";
    /// <summary>Consumed by a policy's automatic sanction.</summary>
    public const string Sanctioned = "sanctioned";
}

/// <summary>How a rule version came to be.</summary>
public static class ChatRuleSources
{
    public const string Starter = "starter";
    public const string Import = "import";
    public const string Edit = "edit";
    public const string Rollback = "rollback";
    public const string Allowlist = "allowlist";
}

/// <summary>The engine-independent rules a line can also trip (their matches carry these as rule and category).</summary>
public static class ChatWindowRules
{
    public const string Flood = "flood";
    public const string Wave = "wave";
}
