using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Audit;

public sealed record AuditChainReport(bool Intact, long RecordsChecked, long FirstBrokenSequence, string Problem);

/// <summary>Walks the chain in sequence order, in pages, recomputing every hash.</summary>
public sealed class AuditVerifier(GmToolsDbContext db)
{
    private const int PageSize = 5_000;

    public async Task<AuditChainReport> VerifyAsync(CancellationToken ct)
    {
        var expectedPrev = AuditChain.GenesisHash;
        long expectedSequence = 1;
        long checkedCount = 0;
        while (true)
        {
            var from = expectedSequence;
            var page = await db.Set<AuditRecord>().AsNoTracking()
                .Where(r => r.Sequence >= from)
                .OrderBy(r => r.Sequence)
                .Take(PageSize)
                .ToListAsync(ct);
            foreach (var r in page)
            {
                if (r.Sequence != expectedSequence)
                {
                    return new(false, checkedCount, expectedSequence, $"record {expectedSequence} is missing (next present is {r.Sequence})");
                }
                if (!string.Equals(r.PrevHash, expectedPrev, StringComparison.Ordinal))
                {
                    return new(false, checkedCount, r.Sequence, "record does not link to the record before it");
                }
                if (!string.Equals(AuditChain.ComputeHash(r.PrevHash, r), r.Hash, StringComparison.Ordinal))
                {
                    return new(false, checkedCount, r.Sequence, "record content does not match its hash (edited)");
                }
                expectedPrev = r.Hash;
                expectedSequence++;
                checkedCount++;
            }
            if (page.Count < PageSize)
            {
                break;
            }
        }

        var head = await db.Set<AuditChainHead>().AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        if (head.LastSequence != expectedSequence - 1 || !string.Equals(head.LastHash, expectedPrev, StringComparison.Ordinal))
        {
            return new(false, checkedCount, expectedSequence, $"the chain ends at {expectedSequence - 1} but its head says {head.LastSequence} (records deleted at the end)");
        }
        return new(true, checkedCount, 0, "");
    }
}
