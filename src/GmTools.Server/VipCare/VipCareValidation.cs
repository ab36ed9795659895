using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.VipCare;

/// <summary>Shape checks shared by the VIP care RPCs.</summary>
internal static class VipCareValidation
{
    public static Violations VisitId(this Violations v, long visitId) => visitId > 0 ? v : v.Add("visit_id", "is required");

    /// <summary>A report period: both ends real times, from before to, at most the bound apart.</summary>
    public static Violations Period(this Violations v, Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to)
    {
        if (from is null)
        {
            v.Add("from", "is required");
        }
        if (to is null)
        {
            v.Add("to", "is required");
        }
        if (from is null || to is null || new Violations().Timestamp("from", from).Timestamp("to", to).Any)
        {
            return v.Timestamp("from", from).Timestamp("to", to);
        }
        var (f, t) = (from.ToDateTimeOffset(), to.ToDateTimeOffset());
        if (t <= f)
        {
            v.Add("to", "must be after from");
        }
        else if (t - f > TimeSpan.FromDays(VipCareLimits.MaxReportDays))
        {
            v.Add("to", $"must be at most {VipCareLimits.MaxReportDays} days after from");
        }
        return v;
    }

    /// <summary>A positive duration (a rule's interval); null when absent or not valid (the violation is added).</summary>
    public static TimeSpan? Positive(this Violations v, string field, Google.Protobuf.WellKnownTypes.Duration? d, bool required)
    {
        if (d is null)
        {
            if (required)
            {
                v.Add(field, "is required and must be positive");
            }
            return null;
        }
        if (new Violations().Duration(field, d).Any)
        {
            v.Duration(field, d);
            return null;
        }
        var span = d.ToTimeSpan();
        if (span <= TimeSpan.Zero)
        {
            v.Add(field, "must be positive (a zero or negative interval plans nothing sensible)");
            return null;
        }
        return span;
    }
}
