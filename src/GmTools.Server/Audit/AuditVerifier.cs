using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Audit;

/// <summary>Which part of the chain to walk.</summary>
/// <param name="Full">From the first record (ignores the range).</param>
/// <param name="FromSequence">Walk records from here on (0: from the newest signed checkpoint). The walk starts at the
/// newest signed checkpoint below it, so it costs the records of the range plus at most one checkpoint interval.</param>
/// <param name="ToSequence">Stop after this record (0: the head of the chain).</param>
public sealed record AuditVerification(bool Full, long FromSequence = 0, long ToSequence = 0)
{
    public static readonly AuditVerification Everything = new(Full: true);
    public static readonly AuditVerification SinceLastCheckpoint = new(Full: false);
}

public sealed record AuditChainReport(
    bool Intact,
    long RecordsChecked,
    long FirstBrokenSequence,
    string Problem,
    long StartedAfterSequence = 0,
    long CheckedThroughSequence = 0,
    long UnlinkedRecords = 0,
    long FirstBrokenRecordId = 0,
    DateTimeOffset? OldestUnlinkedAt = null);

/// <summary>
/// Walks the chain in sequence order, in pages, recomputing every link and checking every MAC, every checkpoint met
/// on the way and the signed head; then checks the MACs of the records the chainer has not linked yet.
/// </summary>
public sealed class AuditVerifier(GmToolsDbContext db, AuditKey key)
{
    private const int PageSize = 5_000;

    public Task<AuditChainReport> VerifyAsync(CancellationToken ct) => VerifyAsync(AuditVerification.Everything, ct);

    public async Task<AuditChainReport> VerifyAsync(AuditVerification what, CancellationToken ct)
    {
        // One snapshot for the head, the checkpoints and every page: the chainer links records while the walk runs,
        // and a head read before a page that already holds newer links would look like records deleted at the end.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var report = await WalkAsync(what, ct);
        await tx.CommitAsync(ct);
        return report;
    }

    private async Task<AuditChainReport> WalkAsync(AuditVerification what, CancellationToken ct)
    {
        var head = await db.Set<AuditChainHead>().AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        var start = await StartAsync(what, ct);
        if (start.Broken is not null)
        {
            return start.Broken;
        }
        var to = what.Full || what.ToSequence == 0 ? long.MaxValue : what.ToSequence;
        var expectedPrev = start.Hash;
        var expectedSequence = start.Sequence + 1;
        long previousId = start.Id;
        long checkedCount = 0;
        var checkpoints = await db.Set<AuditCheckpoint>().AsNoTracking()
            .Where(c => c.Sequence > start.Sequence && c.Sequence <= to)
            .ToDictionaryAsync(c => c.Sequence, ct);
        while (expectedSequence <= to)
        {
            var from = expectedSequence;
            var page = await db.Set<AuditRecord>().AsNoTracking()
                .Where(r => r.Sequence >= from && r.Sequence <= to)
                .OrderBy(r => r.Sequence)
                .Take(PageSize)
                .ToListAsync(ct);
            foreach (var r in page)
            {
                AuditChainReport Broken(string problem) => new(false, checkedCount, r.Sequence ?? 0, problem, start.Sequence, expectedSequence - 1, FirstBrokenRecordId: r.Id);
                if (r.Sequence != expectedSequence)
                {
                    return new(false, checkedCount, expectedSequence, $"record {expectedSequence} is missing (next present is {r.Sequence})", start.Sequence, expectedSequence - 1);
                }
                if (!string.Equals(r.PrevHash, expectedPrev, StringComparison.Ordinal))
                {
                    return Broken("record does not link to the record before it");
                }
                if (!string.Equals(AuditChain.Link(expectedPrev, r), r.Hash, StringComparison.Ordinal))
                {
                    return Broken("record content does not match its hash (edited)");
                }
                if (!AuditChain.IsLegacy(r) && !AuditChain.RecordMacHolds(key, r))
                {
                    return Broken("record content does not match its MAC (edited or forged before it was linked)");
                }
                if (r.Id <= previousId)
                {
                    return Broken("record was linked out of write order (inserted after later records were linked)");
                }
                if (checkpoints.TryGetValue(expectedSequence, out var checkpoint)
                    && (!AuditChain.CheckpointHolds(key, checkpoint) || !string.Equals(checkpoint.Hash, r.Hash, StringComparison.Ordinal)))
                {
                    return Broken($"signed checkpoint {checkpoint.Sequence} does not match the chain (the chain was recomputed, or the checkpoint forged)");
                }
                previousId = r.Id;
                expectedPrev = r.Hash!;
                expectedSequence++;
                checkedCount++;
            }
            if (page.Count < PageSize)
            {
                break;
            }
        }
        var through = expectedSequence - 1;

        if (to >= head.LastSequence || through < to)
        {
            var headSigned = AuditChain.HeadHolds(key, head) || (head.LastSequence == 0 && head.Mac is null);
            if (!headSigned)
            {
                return new(false, checkedCount, head.LastSequence, "the chain head does not carry a valid signature", start.Sequence, through);
            }
            if (head.LastSequence != through || !string.Equals(head.LastHash, expectedPrev, StringComparison.Ordinal))
            {
                return new(false, checkedCount, through + 1,
                    $"the chain ends at {through} but its signed head says {head.LastSequence} (records deleted at the end)", start.Sequence, through);
            }
        }
        return await CheckUnlinkedAsync(checkedCount, start.Sequence, through, ct);
    }

    private sealed record Start(long Sequence, string Hash, long Id, AuditChainReport? Broken = null);

    private async Task<Start> StartAsync(AuditVerification what, CancellationToken ct)
    {
        var genesis = new Start(0, AuditChain.GenesisHash, long.MinValue);
        if (what.Full)
        {
            return genesis;
        }
        var below = what.FromSequence > 0 ? what.FromSequence - 1 : long.MaxValue;
        var checkpoint = await db.Set<AuditCheckpoint>().AsNoTracking()
            .Where(c => c.Sequence <= below)
            .OrderByDescending(c => c.Sequence)
            .FirstOrDefaultAsync(ct);
        if (checkpoint is null)
        {
            return genesis;
        }
        if (!AuditChain.CheckpointHolds(key, checkpoint))
        {
            return genesis with { Broken = new(false, 0, checkpoint.Sequence, $"checkpoint {checkpoint.Sequence} does not carry a valid signature") };
        }
        // The checkpoint says what record N's hash was when it was signed; record N must still hash to it.
        var at = await db.Set<AuditRecord>().AsNoTracking().SingleOrDefaultAsync(r => r.Sequence == checkpoint.Sequence, ct);
        if (at is null)
        {
            return genesis with { Broken = new(false, 0, checkpoint.Sequence, $"record {checkpoint.Sequence} is missing (a signed checkpoint names it)") };
        }
        if (!string.Equals(at.Hash, checkpoint.Hash, StringComparison.Ordinal)
            || !string.Equals(AuditChain.Link(at.PrevHash ?? "", at), at.Hash, StringComparison.Ordinal)
            || (!AuditChain.IsLegacy(at) && !AuditChain.RecordMacHolds(key, at)))
        {
            return genesis with { Broken = new(false, 0, checkpoint.Sequence, "record content does not match its hash at a signed checkpoint (edited)", FirstBrokenRecordId: at.Id) };
        }
        return new Start(checkpoint.Sequence, checkpoint.Hash, at.Id);
    }

    /// <summary>Records not linked yet are checked by their MAC alone: an edit or a forgery shows before linking too.</summary>
    private async Task<AuditChainReport> CheckUnlinkedAsync(long checkedCount, long startedAfter, long through, CancellationToken ct)
    {
        long unlinked = 0;
        DateTimeOffset? oldest = null;
        var afterId = long.MinValue;
        while (true)
        {
            var from = afterId;
            var page = await db.Set<AuditRecord>().AsNoTracking()
                .Where(r => r.Sequence == null && r.Id > from)
                .OrderBy(r => r.Id)
                .Take(PageSize)
                .ToListAsync(ct);
            foreach (var r in page)
            {
                if (AuditChain.IsLegacy(r) || !AuditChain.RecordMacHolds(key, r))
                {
                    return new(false, checkedCount, 0, $"record {r.Id}, not linked yet, does not match its MAC (edited or forged)", startedAfter, through,
                        unlinked, r.Id);
                }
                unlinked++;
                oldest = oldest is null || r.OccurredAt < oldest ? r.OccurredAt : oldest;
                afterId = r.Id;
            }
            if (page.Count < PageSize)
            {
                break;
            }
        }
        return new(true, checkedCount, 0, "", startedAfter, through, unlinked, 0, oldest);
    }
}
