using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Anomalies;

/// <summary>Reads of the kinds: the catalogue is global (no game server), readable by everyone who may read it.</summary>
public sealed class AnomalyKindQueries(GmToolsDbContext db)
{
    /// <summary>The newest version of every kind.</summary>
    public static IQueryable<AnomalyKindVersion> InForce(GmToolsDbContext db) =>
        db.Set<AnomalyKindVersion>().AsNoTracking()
            .Where(k => k.Version == db.Set<AnomalyKindVersion>().Where(x => x.Name == k.Name).Max(x => x.Version));

    public Task<List<AnomalyKindVersion>> ListAsync(CancellationToken ct) => InForce(db).OrderBy(k => k.Name).ToListAsync(ct);

    public async Task<AnomalyKindVersion> GetAsync(string name, long version, CancellationToken ct)
    {
        var versions = db.Set<AnomalyKindVersion>().AsNoTracking().Where(k => k.Name == name);
        var found = version == 0
            ? await versions.OrderByDescending(k => k.Version).FirstOrDefaultAsync(ct)
            : await versions.FirstOrDefaultAsync(k => k.Version == version, ct);
        return found ?? throw GrpcErrors.NotFound(version == 0 ? $"anomaly kind '{name}' not found" : $"anomaly kind '{name}' version {version} not found");
    }
}
