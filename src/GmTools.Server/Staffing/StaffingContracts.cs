using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Staffing;

public static class StaffingContracts
{
    public static DutyEntry ToContract(DutyView d) => new()
    {
        StaffId = d.StaffId,
        OnDuty = d.OnDuty,
        Since = Timestamp.FromDateTimeOffset(d.Since),
        DailyCapacity = d.DailyCapacity,
        CapacityOverridden = d.CapacityOverridden,
    };
}
