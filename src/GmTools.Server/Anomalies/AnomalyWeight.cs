using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Anomalies;

/// <summary>
/// A dismissed case lowers its kind's weight for that player for a while: thresholds need <see cref="Factor"/>
/// times as many reports until <see cref="Until"/>, so a pattern a GM found innocent does not re-open at once.
/// </summary>
public sealed class AnomalyWeight
{
    public long WeightId { get; set; }
    public string PlayerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public double Factor { get; set; }
    public DateTimeOffset Until { get; set; }
    public long CaseId { get; set; }
}

internal sealed class AnomalyWeightConfiguration : IEntityTypeConfiguration<AnomalyWeight>
{
    public void Configure(EntityTypeBuilder<AnomalyWeight> b)
    {
        b.ToTable("anomaly_weights");
        b.HasKey(w => w.WeightId);
        b.Property(w => w.WeightId).UseIdentityAlwaysColumn();
        b.Property(w => w.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(w => w.Kind).HasMaxLength(AnomalyLimits.KindName);
        b.HasIndex(w => new { w.PlayerId, w.Kind, w.Until });
    }
}
