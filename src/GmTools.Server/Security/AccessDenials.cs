using GmTools.Server.Audit;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Security;

/// <summary>
/// Refusals of one caller for one permission within one minute, counted in one row. The first refusal of the minute
/// also writes one audit record ("access.denied"); the rest only add to <see cref="Count"/>. So a Viewer looping on a
/// forbidden call stays visible (audit trail + counts) without writing a record per attempt.
/// </summary>
public sealed class AccessDenial
{
    public string Actor { get; set; } = "";
    public string Permission { get; set; } = "";
    public DateTimeOffset Minute { get; set; }
    public string ActorRole { get; set; } = "";
    /// <summary>The last method refused (a loop usually hits one).</summary>
    public string Method { get; set; } = "";
    public long Count { get; set; }
    public DateTimeOffset FirstAt { get; set; }
    public DateTimeOffset LastAt { get; set; }
}

internal sealed class AccessDenialConfiguration : IEntityTypeConfiguration<AccessDenial>
{
    public void Configure(EntityTypeBuilder<AccessDenial> b)
    {
        b.ToTable("access_denials");
        b.HasKey(d => new { d.Actor, d.Permission, d.Minute });
        b.Property(d => d.Actor).HasMaxLength(CommonLimits.ActorId);
        b.Property(d => d.Permission).HasMaxLength(AccessDenials.PermissionMax);
        b.Property(d => d.ActorRole).HasMaxLength(AccessDenials.RoleMax);
        b.Property(d => d.Method).HasMaxLength(AccessDenials.MethodMax);
        b.HasIndex(d => d.Minute);
    }
}

/// <summary>
/// Records refusals compactly, in a scope and transaction of its own (the refused call's own work, if any, has been
/// rolled back): one upsert of the minute's row, and one audit record when the row is new.
/// </summary>
public sealed class AccessDenials(IServiceScopeFactory scopes, TimeProvider time, ILogger<AccessDenials> logger)
{
    public const int PermissionMax = 64;
    public const int RoleMax = 32;
    public const int MethodMax = 200;

    public async Task RecordAsync(Caller caller, string requestId, string method, string permission, string why, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var minute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        method = method.Length > MethodMax ? method[..MethodMax] : method;
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
        context.Caller = caller;
        context.RequestId = requestId;
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditWriter>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var first = await db.Database.SqlQuery<bool>($"""
            INSERT INTO access_denials (actor, permission, minute, actor_role, method, count, first_at, last_at)
            VALUES ({caller.Id}, {permission}, {minute}, {caller.PrimaryRole}, {method}, 1, {now}, {now})
            ON CONFLICT (actor, permission, minute) DO UPDATE
                SET count = access_denials.count + 1, last_at = excluded.last_at, method = excluded.method
            RETURNING (xmax = 0) AS "Value"
            """).ToListAsync(ct);
        if (first.Count == 1 && first[0])
        {
            await audit.AppendDeniedAsync(new AuditEntry("access.denied", "rpc", method, new { permission, why, minute }), ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>For refusals decided inside a call: recording must never replace the refusal the caller gets.</summary>
    public async Task TryRecordAsync(Caller caller, string requestId, string method, string permission, string why)
    {
        try
        {
            await RecordAsync(caller, requestId, method, permission, why, CancellationToken.None);
        }
        catch (Exception ex) when (StoreFailures.Classify(ex) != StoreFailure.None)
        {
            logger.LogWarning(ex, "could not record a refusal of {Method} for {Actor}", method, caller.Id);
        }
    }
}
