using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Staffing;

/// <summary>Section "GmTools:Staffing".</summary>
public sealed class StaffingOptions
{
    public const string Section = "GmTools:Staffing";

    /// <summary>Tasks an agent is given per day (per work queue) unless a supervisor set their own.</summary>
    [Range(1, StaffingLimits.MaxDailyCapacity)]
    public int DefaultDailyCapacity { get; set; } = 30;

    /// <summary>Where "today" starts for daily capacity: the offset of the back office's local time (China: +08:00).</summary>
    [Range(typeof(TimeSpan), "-14:00:00", "14:00:00")]
    public TimeSpan LocalOffset { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The start of the local day that holds <paramref name="now"/>, as a UTC instant.</summary>
    public DateTimeOffset DayStart(DateTimeOffset now)
    {
        var local = now.ToOffset(LocalOffset);
        return new DateTimeOffset(local.Date, LocalOffset).ToUniversalTime();
    }
}
