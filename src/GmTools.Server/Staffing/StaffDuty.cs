using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Staffing;

/// <summary>
/// One staff member's place on the duty roster: on or off duty, since when, and a daily capacity a supervisor set
/// (null: the configured default). Staff are not game-server objects: the roster is one for the whole back office.
/// </summary>
public sealed class StaffDuty
{
    public string StaffId { get; set; } = "";
    public bool OnDuty { get; set; }
    public DateTimeOffset Since { get; set; }
    public int? DailyCapacity { get; set; }
    public string? CapacitySetBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class StaffDutyConfiguration : IEntityTypeConfiguration<StaffDuty>
{
    public void Configure(EntityTypeBuilder<StaffDuty> b)
    {
        b.ToTable("staff_duty");
        b.HasKey(d => d.StaffId);
        b.Property(d => d.StaffId).HasMaxLength(CommonLimits.ActorId);
        b.Property(d => d.CapacitySetBy).HasMaxLength(CommonLimits.ActorId);
        b.HasIndex(d => d.OnDuty).HasFilter("on_duty");
    }
}
