namespace GmTools.Server.Security;

/// <summary>
/// A row of a review queue that one staff member at a time works on (an anomaly case, a chat flag): its state says
/// whether it is claimed, and by whom since when.
/// </summary>
public interface IClaimable
{
    string State { get; set; }

    string? ClaimedBy { get; set; }

    DateTimeOffset? ClaimedAt { get; set; }
}

/// <summary>Who holds a queue row. Each queue keeps its own state names and its own refusal text.</summary>
public static class WorkClaims
{
    /// <summary>True when someone other than the caller holds the row's claim (they alone work it).</summary>
    public static bool IsClaimedByOther(this Caller caller, IClaimable row, string claimedState) =>
        row.State == claimedState && row.ClaimedBy != caller.Id;

    /// <summary>True when the caller holds the row's claim already.</summary>
    public static bool HoldsClaim(this Caller caller, IClaimable row, string claimedState) =>
        row.State == claimedState && row.ClaimedBy == caller.Id;

    /// <summary>The row moves to its claimed state in the caller's name, stamped <paramref name="now"/>.</summary>
    public static void TakeClaim(this Caller caller, IClaimable row, string claimedState, DateTimeOffset now)
    {
        row.State = claimedState;
        row.ClaimedBy = caller.Id;
        row.ClaimedAt = now;
    }
}
