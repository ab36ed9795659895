namespace GmTools.Server.Cases;

/// <summary>The stored state names of a case.</summary>
public static class CaseStates
{
    public const string New = "new";
    public const string InProgress = "in_progress";
    public const string WaitingForPlayer = "waiting_for_player";
    public const string Resolved = "resolved";
    public const string Closed = "closed";

    /// <summary>States in which the case is still being worked (counts as open).</summary>
    public static readonly string[] Open = [New, InProgress, WaitingForPlayer];
}

/// <summary>The stored names of how the player reached us.</summary>
public static class CaseChannels
{
    public const string InGame = "in_game";
    public const string Phone = "phone";
    public const string Im = "im";
    public const string Email = "email";
    public const string Web = "web";
}

/// <summary>The stored priority names.</summary>
public static class CasePriorities
{
    public const string Low = "low";
    public const string Normal = "normal";
    public const string High = "high";
    public const string Urgent = "urgent";
}

/// <summary>The stored names of what a case may be linked to.</summary>
public static class CaseLinkKinds
{
    public const string Sanction = "sanction";
    public const string Grant = "grant";
    public const string Campaign = "campaign";
    public const string Visit = "visit";
    public const string ChatLine = "chat_line";

    /// <summary>Made from a case only (never linked by hand).</summary>
    public const string RechargeAdjustment = "recharge_adjustment";
}
