using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Cases;

/// <summary>
/// One player's case. <see cref="GameServerId"/> is the player's home when it was opened and is the case's scope;
/// the record's own server (<see cref="RecordGameServerId"/>) is where the event happened. The contact is personal
/// data: it never goes into an audit record and is shown only with players.read_contact.
/// </summary>
public sealed class PlayerCase
{
    public long CaseId { get; set; }
    public string PlayerId { get; set; } = "";
    public string GameServerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Channel { get; set; } = CaseChannels.InGame;
    public string Priority { get; set; } = CasePriorities.Normal;
    public string State { get; set; } = CaseStates.New;
    public string Summary { get; set; } = "";
    public string Description { get; set; } = "";

    public string Account { get; set; } = "";
    public string RecordGameServerId { get; set; } = "";
    public string CharacterName { get; set; } = "";
    public DateTimeOffset? EventAt { get; set; }
    public string Contact { get; set; } = "";
    public string ItemName { get; set; } = "";
    public string Location { get; set; } = "";
    public string PaymentChannel { get; set; } = "";
    public string OrderReference { get; set; } = "";
    public long Amount { get; set; }
    public string Currency { get; set; } = "";
    public DateTimeOffset? PaidAt { get; set; }
    public string GameArea { get; set; } = "";
    public string ClientVersion { get; set; } = "";

    public string OpenedBy { get; set; } = "";
    public DateTimeOffset OpenedAt { get; set; }
    public string? Assignee { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public DateTimeOffset? FirstResponseAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public int ReopenCount { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset FirstResponseDue { get; set; }
    public DateTimeOffset ResolutionDue { get; set; }
    /// <summary>Set while waiting for the player with the clock paused; leaving that state moves the deadlines on.</summary>
    public DateTimeOffset? PausedAt { get; set; }
    public DateTimeOffset? FirstResponseWarnedAt { get; set; }
    public DateTimeOffset? FirstResponseBreachedAt { get; set; }
    public DateTimeOffset? ResolutionWarnedAt { get; set; }
    public DateTimeOffset? ResolutionBreachedAt { get; set; }
    public string EscalationLevel { get; set; } = "";
    public DateTimeOffset? EscalatedAt { get; set; }
    /// <summary>Bug reports: the master report this one duplicates (always a master itself: one level).</summary>
    public long? DuplicateOf { get; set; }
    /// <summary>The player's rating, 1..5, once resolved.</summary>
    public int? SatisfactionRating { get; set; }
    public string SatisfactionComment { get; set; } = "";
    public DateTimeOffset? SatisfactionAt { get; set; }
    public string? SatisfactionBy { get; set; }
}

internal sealed class PlayerCaseConfiguration : IEntityTypeConfiguration<PlayerCase>
{
    public void Configure(EntityTypeBuilder<PlayerCase> b)
    {
        b.ToTable("player_cases");
        b.HasKey(c => c.CaseId);
        b.Property(c => c.PlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(c => c.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.Kind).HasMaxLength(CaseLimits.Kind);
        b.Property(c => c.Channel).HasMaxLength(CaseLimits.Channel);
        b.Property(c => c.Priority).HasMaxLength(CaseLimits.Priority);
        b.Property(c => c.State).HasMaxLength(CaseLimits.State);
        b.Property(c => c.Summary).HasMaxLength(CaseLimits.Summary);
        b.Property(c => c.Description).HasMaxLength(CaseLimits.Description);
        b.Property(c => c.Account).HasMaxLength(PlayerLimits.Account);
        b.Property(c => c.RecordGameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(c => c.CharacterName).HasMaxLength(PlayerLimits.CharacterName);
        b.Property(c => c.Contact).HasMaxLength(PlayerLimits.Contact);
        b.Property(c => c.ItemName).HasMaxLength(CaseLimits.RecordField);
        b.Property(c => c.Location).HasMaxLength(CaseLimits.Location);
        b.Property(c => c.PaymentChannel).HasMaxLength(CaseLimits.RecordField);
        b.Property(c => c.OrderReference).HasMaxLength(CaseLimits.RecordField);
        b.Property(c => c.Currency).HasMaxLength(CaseLimits.Currency);
        b.Property(c => c.GameArea).HasMaxLength(CaseLimits.RecordField);
        b.Property(c => c.ClientVersion).HasMaxLength(CaseLimits.RecordField);
        b.Property(c => c.OpenedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.Assignee).HasMaxLength(CommonLimits.ActorId);
        b.Property(c => c.EscalationLevel).HasMaxLength(CaseLimits.Level);
        b.HasIndex(c => new { c.EscalationLevel, c.CaseId });
        // The SLA watch's read: open cases by their deadlines.
        b.HasIndex(c => c.FirstResponseDue).HasFilter("first_response_at IS NULL AND first_response_breached_at IS NULL").HasDatabaseName("ix_player_cases_first_response_watch");
        b.HasIndex(c => c.ResolutionDue).HasFilter("resolution_breached_at IS NULL AND state IN ('new', 'in_progress', 'waiting_for_player')").HasDatabaseName("ix_player_cases_resolution_watch");
        // The list's orders: a player's cases, a server's queue, an agent's queue, all newest first.
        b.HasIndex(c => new { c.PlayerId, c.CaseId });
        b.HasIndex(c => new { c.GameServerId, c.CaseId });
        b.HasIndex(c => new { c.Assignee, c.CaseId });
        b.HasIndex(c => new { c.State, c.CaseId });
        b.Property(c => c.SatisfactionComment).HasMaxLength(CaseLimits.Reason);
        b.Property(c => c.SatisfactionBy).HasMaxLength(CommonLimits.ActorId);
        // Reports read a window of opening times; bug tallies and exports one kind's window.
        b.HasIndex(c => c.OpenedAt);
        b.HasIndex(c => new { c.Kind, c.OpenedAt });
        b.HasIndex(c => c.DuplicateOf).HasFilter("duplicate_of IS NOT NULL");
    }
}

/// <summary>A note on a case (entity; the contract is CaseNote). Attachments are references to files kept elsewhere.</summary>
public sealed class CaseNoteEntity
{
    public long NoteId { get; set; }
    public long CaseId { get; set; }
    public string Author { get; set; } = "";
    public string Text { get; set; } = "";
    public List<string> AttachmentRefs { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class CaseNoteConfiguration : IEntityTypeConfiguration<CaseNoteEntity>
{
    public void Configure(EntityTypeBuilder<CaseNoteEntity> b)
    {
        b.ToTable("case_notes");
        b.HasKey(n => n.NoteId);
        b.Property(n => n.Author).HasMaxLength(CommonLimits.ActorId);
        b.Property(n => n.Text).HasMaxLength(CaseLimits.NoteText);
        b.HasIndex(n => new { n.CaseId, n.NoteId });
        b.HasOne<PlayerCase>().WithMany().HasForeignKey(n => n.CaseId);
    }
}
