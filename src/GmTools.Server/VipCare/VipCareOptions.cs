using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

/// <summary>Section "GmTools:VipCare". Tiers and plan rules are data (PutVipTiers, PutVisitRule); these are the mechanics.</summary>
public sealed class VipCareOptions
{
    public const string Section = "GmTools:VipCare";

    /// <summary>How often the clustered planning run goes (tiers reconciled, visits planned and assigned, overdue marked).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PlanningInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most this many players reconciled, and visits assigned, per run (the rest next run).</summary>
    [Range(1, 100_000)]
    public int PlanningBatch { get; set; } = 2000;

    /// <summary>A visit this long past its due time is overdue (the SLA), and shows in the supervisors' view.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>A call-back the player asked for may be at most this far ahead.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan CallBackHorizon { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Calls without reaching the player before the visit is closed as unreachable.</summary>
    [Range(2, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The next attempt after a miss is at least this far ahead (then at the start of the best hour band).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MinRetryGap { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Call hours, local time (GmTools:Staffing:LocalOffset), cut into bands of <see cref="BandHours"/>.</summary>
    [Range(0, 23)]
    public int CallHoursStart { get; set; } = 9;

    [Range(1, 24)]
    public int CallHoursEnd { get; set; } = 21;

    [Range(1, 12)]
    public int BandHours { get; set; } = 2;

    /// <summary>The band tried when neither the player nor the tier has been reached yet: its start hour.</summary>
    [Range(0, 23)]
    public int DefaultBandStart { get; set; } = 19;

    /// <summary>A grant worth more than this (catalogue value) to a VIP is followed up.</summary>
    [Range(1, long.MaxValue)]
    public long LargeCompensationValue { get; set; } = 50_000;

    /// <summary>The case kind that is a complaint (case kinds are data: GmTools:Cases:Kinds).</summary>
    [Required]
    public string ComplaintKind { get; set; } = "complaint";

    /// <summary>Complaints, grants and wrongful lifts older than this are not followed up any more.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan EventLookback { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A follow-up an agent asks for is due this long after the call.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan FollowUpDue { get; set; } = TimeSpan.FromDays(3);

    public int BandCount => (CallHoursEnd - CallHoursStart) / BandHours;
}

/// <summary>Rules across fields: the call hours cut into whole bands, the default band one of them.</summary>
internal sealed class VipCareOptionsValidation : IValidateOptions<VipCareOptions>
{
    public ValidateOptionsResult Validate(string? name, VipCareOptions o)
    {
        if (o.CallHoursEnd <= o.CallHoursStart)
        {
            return ValidateOptionsResult.Fail($"{VipCareOptions.Section}:CallHoursEnd must be after CallHoursStart");
        }
        if ((o.CallHoursEnd - o.CallHoursStart) % o.BandHours != 0)
        {
            return ValidateOptionsResult.Fail($"{VipCareOptions.Section}: the call hours must be a whole number of BandHours");
        }
        if (o.DefaultBandStart < o.CallHoursStart || o.DefaultBandStart >= o.CallHoursEnd || (o.DefaultBandStart - o.CallHoursStart) % o.BandHours != 0)
        {
            return ValidateOptionsResult.Fail($"{VipCareOptions.Section}:DefaultBandStart must be the start of one of the bands");
        }
        return ValidateOptionsResult.Success;
    }
}
