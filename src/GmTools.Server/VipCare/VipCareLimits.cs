namespace GmTools.Server.VipCare;

/// <summary>Every bound of VIP care, shared by the edge validation and the EF configuration.</summary>
public static class VipCareLimits
{
    public const int TierName = 32;
    public const int MaxTiers = 10;
    public const int Reason = 32;
    public const int State = 16;
    public const int Outcome = 16;
    public const int Source = 64;
    public const int Notes = 2000;
    public const int Note = 500;
    public const int MaxPage = 200;
    public const int MaxReportDays = 366;
}
