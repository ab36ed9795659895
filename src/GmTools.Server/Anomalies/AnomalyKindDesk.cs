using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Anomalies;

/// <summary>
/// Admins manage the kinds: each change is a new version (never an edit), written with its audit record in one
/// transaction under a per-kind advisory lock, so two admins (or replicas) never make the same version twice.
/// The catalogue is global, so only staff whose scope covers every game server may change it.
/// </summary>
public sealed class AnomalyKindDesk(GmToolsDbContext db, AuditWriter audit, RequestContext request, AnomalyKindBook book, TimeProvider time)
{
    public async Task<AnomalyKindVersion> PutAsync(PutKindOrder order, CancellationToken ct)
    {
        request.Caller.EnsureCoversEveryServer("changing the anomaly kinds");
        var k = order.Kind;
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("anomaly-kind:" + k.Name, ct);
        var current = await db.Set<AnomalyKindVersion>().AsNoTracking()
            .Where(v => v.Name == k.Name).OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
        if (order.ExpectedVersion == 0 && current is not null)
        {
            throw GrpcErrors.AlreadyExists($"anomaly kind '{k.Name}' exists (version {current.Version}); send expected_version to change it");
        }
        if (order.ExpectedVersion != 0 && current is null)
        {
            throw GrpcErrors.NotFound($"anomaly kind '{k.Name}' not found");
        }
        if (current is not null && current.Version != order.ExpectedVersion)
        {
            throw GrpcErrors.FailedPrecondition($"anomaly kind '{k.Name}' is at version {current.Version}, not {order.ExpectedVersion}; reload and try again");
        }
        var next = new AnomalyKindVersion
        {
            Name = k.Name,
            Version = (current?.Version ?? 0) + 1,
            DisplayName = k.DisplayName,
            DefaultSeverity = k.DefaultSeverity,
            EvidenceSchemaHint = k.EvidenceSchemaHint,
            Thresholds = AnomalyKindVersion.ThresholdsJson(k.Thresholds),
            Active = k.Active,
            ChangedBy = request.Caller.Id,
            ChangedAt = time.GetUtcNow(),
            Note = order.Note,
        };
        db.Add(next);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("anomaly.kind.put", "anomaly_kind", k.Name,
            new { next.Version, k.DisplayName, k.DefaultSeverity, k.Active, thresholds = k.Thresholds, previous = current?.Version }, Reason: order.Note), ct);
        await db.AfterCommitAsync(() =>
        {
            book.Invalidate();
            return Task.CompletedTask;
        });
        await tx.CommitAsync(ct);
        return next;
    }
}
