using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// A flagged line, kept in PostgreSQL: the record that survives Redis. It is the review queue's item and, once a
/// sanction consumed it, that sanction's evidence (<see cref="SanctionId"/>). One row per game server and line id,
/// so the same line arriving twice (a replay, or through two replicas) is stored and counted once.
/// </summary>
public sealed class ChatFlag : IClaimable
{
    public long FlagId { get; set; }
    public string GameServerId { get; set; } = "";
    public string LineId { get; set; } = "";
    public string Channel { get; set; } = "";
    public string SenderPlayerId { get; set; } = "";
    public string? RecipientPlayerId { get; set; }
    public string Text { get; set; } = "";
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset FlaggedAt { get; set; }
    /// <summary>The first match's category (policies count by it); every match is in <see cref="Matches"/>.</summary>
    public string Category { get; set; } = "";
    public string Rule { get; set; } = "";
    public string Term { get; set; } = "";
    /// <summary>Every match as JSON (category, rule, term, steps, span).</summary>
    public string Matches { get; set; } = "[]";
    public long RuleVersion { get; set; }
    public string State { get; set; } = ChatReviewStates.Pending;
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public long? SanctionId { get; set; }
    /// <summary>The policy whose automatic sanction consumed it.</summary>
    public string? Policy { get; set; }
}

internal sealed class ChatFlagConfiguration : IEntityTypeConfiguration<ChatFlag>
{
    public void Configure(EntityTypeBuilder<ChatFlag> b)
    {
        b.ToTable("chat_flags");
        b.HasKey(f => f.FlagId);
        b.Property(f => f.FlagId).UseIdentityAlwaysColumn();
        b.Property(f => f.GameServerId).HasMaxLength(GameServerIds.MaxLength);
        b.Property(f => f.LineId).HasMaxLength(ChatLimits.LineId);
        b.Property(f => f.Channel).HasMaxLength(ChatLimits.Name);
        b.Property(f => f.SenderPlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(f => f.RecipientPlayerId).HasMaxLength(PlayerLimits.PlayerId);
        b.Property(f => f.Text).HasMaxLength(ChatLimits.Text);
        b.Property(f => f.Category).HasMaxLength(ChatLimits.Category);
        b.Property(f => f.Rule).HasMaxLength(ChatLimits.Rule);
        b.Property(f => f.Term).HasMaxLength(ChatLimits.Term);
        b.Property(f => f.Matches).HasColumnType("jsonb");
        b.Property(f => f.State).HasMaxLength(ChatLimits.Name);
        b.Property(f => f.ClaimedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(f => f.DecidedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(f => f.Policy).HasMaxLength(ChatLimits.PolicyName);
        b.HasIndex(f => new { f.GameServerId, f.LineId }).IsUnique();
        // Policies count a player's pending flags of one category in a window; the dossier lists a player's flags.
        b.HasIndex(f => new { f.SenderPlayerId, f.Category, f.FlaggedAt });
        // The review queue, oldest first.
        b.HasIndex(f => new { f.State, f.FlagId });
        b.HasIndex(f => f.SanctionId).HasFilter("sanction_id IS NOT NULL");
    }
}
