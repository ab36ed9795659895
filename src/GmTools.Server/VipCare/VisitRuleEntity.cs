using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.VipCare;

/// <summary>
/// A visit plan rule (data, admins): for a reason and a tier (empty: every tier), how long after its cause a visit
/// is due, and for periodic and churn-risk visits the interval. One rule per (reason, tier).
/// </summary>
public sealed class VisitRuleEntity
{
    public long RuleId { get; set; }
    public string Reason { get; set; } = "";
    public string Tier { get; set; } = "";
    /// <summary>Periodic: every this long; churn risk: this long without login; null for the other reasons.</summary>
    public TimeSpan? After { get; set; }
    public TimeSpan DueWithin { get; set; }
    public bool Active { get; set; } = true;
    public string ChangedBy { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
}

internal sealed class VisitRuleConfiguration : IEntityTypeConfiguration<VisitRuleEntity>
{
    public void Configure(EntityTypeBuilder<VisitRuleEntity> b)
    {
        b.ToTable("vip_visit_rules");
        b.HasKey(r => r.RuleId);
        b.Property(r => r.Reason).HasMaxLength(VipCareLimits.Reason);
        b.Property(r => r.Tier).HasMaxLength(VipCareLimits.TierName);
        b.Property(r => r.ChangedBy).HasMaxLength(CommonLimits.ActorId);
        b.HasIndex(r => new { r.Reason, r.Tier }).IsUnique();
    }
}
