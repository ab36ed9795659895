using GmTools.Server.ChatWatch.Engine;

namespace GmTools.Server.ChatWatch;

/// <summary>One well-formed line of a batch, as the desk takes it (already decoded and checked).</summary>
public sealed record IncomingLine(int Index, string LineId, string Channel, string SenderPlayerId, string? RecipientPlayerId, string Text, DateTimeOffset SentAt);

/// <summary>A line the batch refused, by its index and field.</summary>
public sealed record RejectedLine(int Index, string Field, string Reason);

public sealed record IngestBatch(string GameServerId, long BatchId, IReadOnlyList<IncomingLine> Lines, IReadOnlyList<RejectedLine> Rejected);

public sealed record IngestResult(
    long BatchId, int Accepted, int Duplicates, IReadOnlyList<RejectedLine> Rejected, int Flagged, int SanctionsIssued, bool Degraded, long RuleVersion);

/// <summary>A line after scoring: the engine's matches plus any flood or wave match.</summary>
public sealed class ScoredLine(string gameServerId, IncomingLine line, List<RuleMatch> matches)
{
    public string GameServerId { get; } = gameServerId;
    public IncomingLine Line { get; } = line;
    public List<RuleMatch> Matches { get; } = matches;
    /// <summary>The normalized text the wave rule counts senders of (null when too short or waves are off).</summary>
    public string? WaveKey { get; set; }
    public bool Flagged => Matches.Count > 0;
}
