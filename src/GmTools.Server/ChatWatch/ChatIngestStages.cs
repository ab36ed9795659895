using System.Diagnostics;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// Where an ingest batch's time goes, summed per stage since start (wall time of each stage as the batch saw it,
/// waits included): what the chat-ingest bench prints beside its rate. A few Interlocked adds a batch.
/// </summary>
public sealed class ChatIngestStages
{
    public enum Stage
    {
        /// <summary>One indexed read of the senders' home servers (PostgreSQL).</summary>
        Senders,
        /// <summary>SET NX per line id (Redis round trip 1).</summary>
        Seen,
        /// <summary>The rule engine and the wave key, per line.</summary>
        Score,
        /// <summary>Flood and wave windows (Redis round trip 2).</summary>
        Windows,
        /// <summary>The flagged lines' one INSERT (PostgreSQL).</summary>
        Flags,
        /// <summary>The policies of the (player, category) pairs newly flagged (PostgreSQL).</summary>
        Policies,
        /// <summary>Lines as contract messages for the live state and the feed.</summary>
        Contracts,
        /// <summary>Recent lists, flagged stream, counts, offenders, the feed message (Redis round trip 3).</summary>
        Record,
    }

    private readonly long[] _ticks = new long[Enum.GetValues<Stage>().Length];
    private long _batches;

    public void Add(Stage stage, long startedAt, long endedAt) => Interlocked.Add(ref _ticks[(int)stage], endedAt - startedAt);

    public void Batch() => Interlocked.Increment(ref _batches);

    /// <summary>Batches so far and each stage's total, in stage order.</summary>
    public (long Batches, TimeSpan[] Totals) Snapshot() =>
        (Interlocked.Read(ref _batches), [.. _ticks.Select((_, i) => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[i])))]);
}
