namespace GmTools.Server.VipCare;

/// <summary>Why a visit is made: the stored names.</summary>
public static class VisitReasons
{
    public const string Welcome = "welcome";
    public const string Periodic = "periodic";
    public const string ChurnRisk = "churn_risk";
    public const string ComplaintFollowUp = "complaint_follow_up";
    public const string CompensationFollowUp = "compensation_follow_up";
    public const string SanctionFollowUp = "sanction_follow_up";
    public const string FollowUp = "follow_up";

    /// <summary>Reasons whose rule has an interval ("after"): periodic (every) and churn risk (without login).</summary>
    public static bool HasInterval(string reason) => reason is Periodic or ChurnRisk;
}

public static class VisitStates
{
    public const string Open = "open";
    public const string Claimed = "claimed";
    public const string Done = "done";
    public const string Unreachable = "unreachable";

    /// <summary>The states the "one open visit per player and reason" index covers.</summary>
    public const string OpenSql = "state IN ('open', 'claimed')";

    public static bool IsOpen(string state) => state is Open or Claimed;
}

public static class VisitOutcomes
{
    public const string Reached = "reached";
    public const string NotReached = "not_reached";
    public const string CallBack = "call_back";
}

/// <summary>What moved a player's tier.</summary>
public static class TierChangeSources
{
    public const string Sync = "sync";
    public const string Reconcile = "reconcile";
}
