using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.VipCare;

/// <summary>
/// A return visit to make (the contract calls it Visit). Scoped by the player's home server when it was planned.
/// At most one open visit per player and reason (a partial unique index), and one per cause (<see cref="Source"/>).
/// </summary>
public sealed class VisitTask
{
    public long TaskId { get; set; }
    public string PlayerId { get; set; } = "";
    public string GameServerId { get; set; } = "";
    public string Tier { get; set; } = "";
    public string Reason { get; set; } = "";
    /// <summary>"case:12", "grant:4", "sanction:9", "tier:3", "visit:7"; null for periodic and churn risk.</summary>
    public string? Source { get; set; }
    public string State { get; set; } = VisitStates.Open;
    public string? Assignee { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset? OverdueAt { get; set; }
    public int Attempts { get; set; }
    public int Misses { get; set; }
    /// <summary>Misses since the visit was last given to an agent: the second one gives it to another.</summary>
    public int MissesByAssignee { get; set; }
    /// <summary>Agents the visit was taken from after their second miss: never given back to them.</summary>
    public List<string> ExcludedAgents { get; set; } = [];
    public string? LastOutcome { get; set; }
    public int? Satisfaction { get; set; }
    public string Notes { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? CompletedAt { get; set; }
    public string? CompletedBy { get; set; }
    public long? FollowUpTaskId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class VisitTaskConfiguration : IEntityTypeConfiguration<VisitTask>
{
    public void Configure(EntityTypeBuilder<VisitTask> b)
    {
        b.ToTable("vip_visit_tasks");
        b.HasKey(t => t.TaskId);
        b.Property(t => t.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(t => t.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(t => t.Tier).HasMaxLength(VipCareLimits.TierName);
        b.Property(t => t.Reason).HasMaxLength(VipCareLimits.Reason);
        b.Property(t => t.Source).HasMaxLength(VipCareLimits.Source);
        b.Property(t => t.State).HasMaxLength(VipCareLimits.State);
        b.Property(t => t.Assignee).HasMaxLength(CommonLimits.ActorId);
        b.Property(t => t.ClaimedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(t => t.CreatedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(t => t.CompletedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(t => t.LastOutcome).HasMaxLength(VipCareLimits.Outcome);
        b.Property(t => t.Notes).HasMaxLength(VipCareLimits.Notes);
        // Never two open visits for the same player and reason, whoever plans them (two replicas at once included):
        // the planners insert with ON CONFLICT DO NOTHING against this index.
        b.HasIndex(t => new { t.PlayerId, t.Reason }).IsUnique().HasFilter(VisitStates.OpenSql).HasDatabaseName("ux_vip_visit_tasks_open");
        // One visit per cause (a case, a grant, a lift, a tier change): planning again finds it.
        b.HasIndex(t => t.Source).IsUnique().HasFilter("source IS NOT NULL");
        b.HasIndex(t => new { t.Assignee, t.DueAt }).HasFilter(VisitStates.OpenSql);
        b.HasIndex(t => t.DueAt).HasFilter(VisitStates.OpenSql + " AND overdue_at IS NULL").HasDatabaseName("ix_vip_visit_tasks_due_watch");
        b.HasIndex(t => new { t.PlayerId, t.Reason, t.CreatedAt });
        b.HasIndex(t => t.CompletedAt);
    }
}

/// <summary>One call of a visit, with its time and hour band: the history the next attempt's time is chosen from.</summary>
public sealed class VisitAttemptEntity
{
    public long AttemptId { get; set; }
    public long TaskId { get; set; }
    public string PlayerId { get; set; } = "";
    public string GameServerId { get; set; } = "";
    public string Tier { get; set; } = "";
    public string Agent { get; set; } = "";
    public string Outcome { get; set; } = "";
    public DateTimeOffset CalledAt { get; set; }
    /// <summary>Index of the local hour band of <see cref="CalledAt"/>; null outside the call hours.</summary>
    public int? HourBand { get; set; }
    public int? Satisfaction { get; set; }
    public string Notes { get; set; } = "";
    public DateTimeOffset? CallBackAt { get; set; }
}

internal sealed class VisitAttemptConfiguration : IEntityTypeConfiguration<VisitAttemptEntity>
{
    public void Configure(EntityTypeBuilder<VisitAttemptEntity> b)
    {
        b.ToTable("vip_visit_attempts");
        b.HasKey(a => a.AttemptId);
        b.Property(a => a.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(a => a.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(a => a.Tier).HasMaxLength(VipCareLimits.TierName);
        b.Property(a => a.Agent).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.Outcome).HasMaxLength(VipCareLimits.Outcome);
        b.Property(a => a.Notes).HasMaxLength(VipCareLimits.Notes);
        b.HasOne<VisitTask>().WithMany().HasForeignKey(a => a.TaskId);
        b.HasIndex(a => new { a.TaskId, a.AttemptId });
        b.HasIndex(a => new { a.PlayerId, a.HourBand });
        b.HasIndex(a => new { a.Tier, a.HourBand });
        b.HasIndex(a => a.CalledAt);
    }
}
