namespace GmTools.Server.Staffing;

/// <summary>Bounds of the roster's requests.</summary>
public static class StaffingLimits
{
    public const int MaxDailyCapacity = 1000;
    public const int Reason = 500;
}
