using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Staffing;

/// <summary>A roster entry with the capacity in force.</summary>
public sealed record DutyView(string StaffId, bool OnDuty, DateTimeOffset Since, int DailyCapacity, bool CapacityOverridden);

/// <summary>
/// The duty roster: agents go on and off duty themselves, supervisors set daily capacities; each change audited in
/// its own transaction. <see cref="OnDutyAsync"/> is what the work queues ask before they assign.
/// </summary>
public sealed class StaffRoster(GmToolsDbContext db, AuditWriter audit, RequestContext request, IOptionsMonitor<StaffingOptions> options, TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<DutyView> SetMyDutyAsync(bool onDuty, CancellationToken ct)
    {
        if (Caller.Kind != CallerKind.Staff)
        {
            throw GrpcErrors.PermissionDenied("only staff go on duty");
        }
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var duty = await LockOrAddAsync(Caller.Id, now, ct);
        var was = duty.OnDuty;
        if (was != onDuty)
        {
            duty.OnDuty = onDuty;
            duty.Since = now;
        }
        duty.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("staffing.duty", "staff", Caller.Id, new { from = was, to = onDuty }), ct);
        await tx.CommitAsync(ct);
        return View(duty);
    }

    /// <summary>Capacity null: back to the configured default.</summary>
    public async Task<DutyView> SetCapacityAsync(string staffId, int? capacity, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var duty = await LockOrAddAsync(staffId, now, ct);
        var from = duty.DailyCapacity;
        duty.DailyCapacity = capacity;
        duty.CapacitySetBy = capacity is null ? null : Caller.Id;
        duty.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("staffing.capacity", "staff", staffId, new { from, to = capacity }, Reason: reason), ct);
        await tx.CommitAsync(ct);
        return View(duty);
    }

    public async Task<IReadOnlyList<DutyView>> ListAsync(bool onDutyOnly, CancellationToken ct)
    {
        var rows = db.Set<StaffDuty>().AsNoTracking();
        if (onDutyOnly)
        {
            rows = rows.Where(d => d.OnDuty);
        }
        var list = await rows.OrderByDescending(d => d.OnDuty).ThenBy(d => d.StaffId).ToListAsync(ct);
        return [.. list.Select(View)];
    }

    /// <summary>Agents on duty now with the capacity in force: the candidates of every assignment.</summary>
    public async Task<IReadOnlyList<DutyView>> OnDutyAsync(CancellationToken ct) => await ListAsync(onDutyOnly: true, ct);

    private async Task<StaffDuty> LockOrAddAsync(string staffId, DateTimeOffset now, CancellationToken ct)
    {
        // Insert-if-missing then lock: two first calls of one agent at once end with one row.
        await db.Database.ExecuteSqlAsync($"INSERT INTO staff_duty (staff_id, on_duty, since, updated_at) VALUES ({staffId}, false, {now}, {now}) ON CONFLICT DO NOTHING", ct);
        return (await db.LockAsync<StaffDuty>(staffId, ct))!;
    }

    private DutyView View(StaffDuty d) =>
        new(d.StaffId, d.OnDuty, d.Since, d.DailyCapacity ?? options.CurrentValue.DefaultDailyCapacity, d.DailyCapacity is not null);
}
