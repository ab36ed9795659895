using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Anomalies;

/// <summary>
/// The kinds in force, as this replica last read them. Intake asks for every batch, so the copy is kept for
/// <see cref="AnomalyOptions.KindsRefresh"/>; a change made on this replica drops it at once (after the commit),
/// other replicas see it within the refresh.
/// </summary>
public sealed class AnomalyKindBook(IOptionsMonitor<AnomalyOptions> options, TimeProvider time)
{
    private sealed record Snapshot(DateTimeOffset LoadedAt, IReadOnlyDictionary<string, AnomalyKindVersion> Kinds);

    private volatile Snapshot? _current;

    public async Task<IReadOnlyDictionary<string, AnomalyKindVersion>> CurrentAsync(GmToolsDbContext db, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_current is { } s && now - s.LoadedAt < options.CurrentValue.KindsRefresh)
        {
            return s.Kinds;
        }
        var kinds = await AnomalyKindQueries.InForce(db).ToListAsync(ct);
        var snapshot = new Snapshot(now, kinds.ToDictionary(k => k.Name, StringComparer.Ordinal));
        _current = snapshot;
        return snapshot.Kinds;
    }

    public void Invalidate() => _current = null;
}
