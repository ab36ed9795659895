using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Anomalies;

/// <summary>Section "GmTools:Anomalies".</summary>
public sealed class AnomalyOptions
{
    public const string Section = "GmTools:Anomalies";

    /// <summary>How far ahead of this server's clock a report's time may be (game servers' clocks drift a little).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxClockAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a report may be when it arrives (a game server flushing a backlog after an outage).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan MaxReportAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a replica trusts its copy of the kinds before reading them again (a change made here applies at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan KindsRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The sanctions reason code of automatic bans and of confirmed cases that name none.</summary>
    [Required, MaxLength(Sanctions.SanctionLimits.ReasonCode)]
    public string BanReasonCode { get; set; } = "cheating";

    /// <summary>After a dismissal, thresholds of that kind need this many times the reports for that player...</summary>
    [Range(1.0, 100.0)]
    public double DismissalWeight { get; set; } = 2.0;

    /// <summary>...for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan DismissalWeightFor { get; set; } = TimeSpan.FromDays(7);
}
