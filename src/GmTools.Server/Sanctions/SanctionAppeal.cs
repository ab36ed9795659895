using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Sanctions;

public static class AppealStates
{
    public const string Open = "open";
    public const string Upheld = "upheld";
    public const string Overturned = "overturned";
}

/// <summary>A player's appeal against a sanction, filed by an agent on the player's behalf.</summary>
public sealed class SanctionAppeal
{
    public long AppealId { get; set; }
    public long SanctionId { get; set; }
    public string PlayerId { get; set; } = "";
    public string Statement { get; set; } = "";
    public string TicketRef { get; set; } = "";
    public string FiledBy { get; set; } = "";
    public DateTimeOffset FiledAt { get; set; }
    public string State { get; set; } = AppealStates.Open;
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionNote { get; set; }
}

internal sealed class SanctionAppealConfiguration : IEntityTypeConfiguration<SanctionAppeal>
{
    public void Configure(EntityTypeBuilder<SanctionAppeal> b)
    {
        b.ToTable("sanction_appeals");
        b.HasKey(a => a.AppealId);
        b.Property(a => a.AppealId).UseIdentityAlwaysColumn();
        b.Property(a => a.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(a => a.Statement).HasMaxLength(SanctionLimits.Statement);
        b.Property(a => a.TicketRef).HasMaxLength(SanctionLimits.TicketRef);
        b.Property(a => a.FiledBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.State).HasMaxLength(SanctionLimits.AppealState);
        b.Property(a => a.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(a => a.DecisionNote).HasMaxLength(SanctionLimits.Reason);
        b.HasOne<Sanction>().WithMany().HasForeignKey(a => a.SanctionId);
        // One open appeal per sanction at a time.
        b.HasIndex(a => a.SanctionId).IsUnique().HasFilter("state = 'open'").HasDatabaseName("ux_sanction_appeals_open");
    }
}
