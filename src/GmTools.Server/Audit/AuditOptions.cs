using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Audit;

/// <summary>Section "GmTools:Audit". Intervals follow the host's TimeProvider, so tests move them with the clock.</summary>
public sealed class AuditOptions
{
    public const string Section = "GmTools:Audit";

    /// <summary>HMAC key for record MACs, checkpoints and the chain head; empty: derived from GmTools:Jwt:SigningKey.
    /// Changing it makes every earlier MAC fail verification, so set it once.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Off only for tests that need records left unlinked (a chainer that was stopped).</summary>
    public bool ChainerEnabled { get; set; } = true;

    /// <summary>
    /// The safety net under the wake-up each commit sends to its replica's chainer: this often every replica asks
    /// (one indexed query) whether any record is still unlinked, e.g. one whose replica died before linking it.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Records linked in one chainer transaction, at most.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>A signed checkpoint after at least this many records since the previous one.</summary>
    [Range(1, 10_000_000)]
    public int CheckpointEvery { get; set; } = 10_000;

    /// <summary>... or after this long, if any record was linked since.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Unlinked records older than this are logged as a warning (a chainer held back or down).</summary>
    public TimeSpan LagWarning { get; set; } = TimeSpan.FromSeconds(5);
}
