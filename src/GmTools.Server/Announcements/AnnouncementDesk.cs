using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>
/// The writers: create (draft or publish), edit, publish, approve/reject (four eyes), cancel. Every change
/// reschedules in the same transaction (next_fire_at), so future fires move at once.
/// </summary>
public sealed class AnnouncementDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    RequestContext request,
    AnnouncementCommands commands,
    IOptionsMonitor<AnnouncementOptions> options,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    public async Task<Announcement> CreateAsync(CreateOrder order, CancellationToken ct)
    {
        if (order.Publish)
        {
            EnsureMayPublish();
        }
        await using var tx = await db.BeginWorkAsync(ct);
        await EnsureTargetsAsync(order.Plan, ct);
        var a = new Announcement { Author = Caller.Id, CreatedAt = time.GetUtcNow() };
        Apply(a, order.Plan);
        if (order.Publish)
        {
            Publish(a);
        }
        db.Add(a);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.create", a, order.Reason), ct);
        await tx.CommitAsync(ct);
        return a;
    }

    public async Task<ChangedAnnouncement> EditAsync(EditOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var a = await LockVisibleAsync(order.AnnouncementId, ct);
        if (a.State is AnnouncementStates.Cancelled or AnnouncementStates.Rejected)
        {
            throw GrpcErrors.FailedPrecondition($"a {a.State} announcement cannot be edited");
        }
        if (a.State != AnnouncementStates.Draft)
        {
            EnsureMayPublish();
        }
        await EnsureTargetsAsync(order.Plan, ct);
        var now = time.GetUtcNow();
        var wasPublished = a.State == AnnouncementStates.Published;
        Apply(a, order.Plan);
        IReadOnlyList<string> withdrawn = [];
        if (a.State is AnnouncementStates.Published or AnnouncementStates.PendingApproval)
        {
            // Fires already considered stay considered: an edit moves future fires, it never repeats a past one.
            if (a.ConsideredThrough is { } through)
            {
                a.ConsideredThrough = through > now ? through : now;
            }
            a.Approver = null;
            Publish(a);
            if (wasPublished)
            {
                // Servers that showed it and are no longer reached (all of them while it waits for approval again).
                var shown = await commands.ShownOnAsync(a.AnnouncementId, ct);
                withdrawn = a.State != AnnouncementStates.Published ? shown
                    : a.AllServers ? []
                    : [.. shown.Where(gs => !a.TargetGameServers.Contains(gs, StringComparer.Ordinal))];
                commands.Withdraw(a, withdrawn);
            }
        }
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.edit", a, order.Reason, new { withdrawn }), ct);
        await tx.CommitAsync(ct);
        return new ChangedAnnouncement(a, withdrawn);
    }

    public async Task<Announcement> PublishAsync(DecisionOrder order, CancellationToken ct)
    {
        EnsureMayPublish();
        await using var tx = await db.BeginWorkAsync(ct);
        var a = await LockVisibleAsync(order.AnnouncementId, ct);
        if (a.State != AnnouncementStates.Draft)
        {
            throw GrpcErrors.FailedPrecondition($"only a draft can be published; this one is {a.State}");
        }
        if (a.EndsAt <= time.GetUtcNow())
        {
            throw GrpcErrors.FailedPrecondition("its window has already ended; edit it first");
        }
        Publish(a);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.publish", a, order.Reason), ct);
        await tx.CommitAsync(ct);
        return a;
    }

    public async Task<Announcement> ApproveAsync(DecisionOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var a = await LockPendingAsync(order.AnnouncementId, ct);
        Caller.EnsureSomeoneElse("an announcement must be approved by someone other than its author", a.Author);
        a.Approver = Caller.Id;
        a.DecisionReason = order.Reason;
        a.State = AnnouncementStates.Published;
        Reschedule(a);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.approve", a, order.Reason), ct);
        await tx.CommitAsync(ct);
        return a;
    }

    public async Task<Announcement> RejectAsync(DecisionOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var a = await LockPendingAsync(order.AnnouncementId, ct);
        Caller.EnsureSomeoneElse("an announcement must be rejected by someone other than its author (the author cancels it)", a.Author);
        a.Approver = Caller.Id;
        a.DecisionReason = order.Reason;
        a.State = AnnouncementStates.Rejected;
        a.NextFireAt = null;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.reject", a, order.Reason), ct);
        await tx.CommitAsync(ct);
        return a;
    }

    public async Task<ChangedAnnouncement> CancelAsync(DecisionOrder order, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var a = await LockVisibleAsync(order.AnnouncementId, ct);
        if (a.State is AnnouncementStates.Cancelled or AnnouncementStates.Rejected)
        {
            throw GrpcErrors.FailedPrecondition($"the announcement is already {a.State}");
        }
        if (a.State != AnnouncementStates.Draft)
        {
            EnsureMayPublish();
        }
        a.State = AnnouncementStates.Cancelled;
        a.CancelledAt = time.GetUtcNow();
        a.NextFireAt = null;
        var withdrawn = await commands.ShownOnAsync(a.AnnouncementId, ct);
        commands.Withdraw(a, withdrawn);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("announcement.cancel", a, order.Reason, new { withdrawn }), ct);
        await tx.CommitAsync(ct);
        return new ChangedAnnouncement(a, withdrawn);
    }

    /// <summary>Dry run: the fires in [from, until) and the servers reached; checks targets like a create, saves nothing.</summary>
    public async Task<AnnouncementPreview> PreviewAsync(AnnouncementPlan plan, DateTimeOffset? from, DateTimeOffset? until, CancellationToken ct)
    {
        await EnsureTargetsAsync(plan, ct);
        var max = options.CurrentValue.PreviewMaxFires;
        var fires = AnnouncementSchedule.Fires(plan.Schedule, from ?? plan.Start, until ?? plan.End.AddTicks(1), max + 1);
        var servers = plan.AllServers
            ? await db.Set<GameServerEntity>().AsNoTracking().OrderBy(g => g.GameServerId).Select(g => g.GameServerId).ToListAsync(ct)
            : plan.GameServerIds;
        return new AnnouncementPreview([.. fires.Take(max)], fires.Count > max, servers, NeedsApproval(plan.AllServers, plan.GameServerIds.Count));
    }

    public bool NeedsApproval(bool allServers, int servers) => allServers || servers > options.CurrentValue.ApprovalAboveServers;

    private void EnsureMayPublish()
    {
        if (!Caller.Holds(Permissions.AnnouncementsPublish))
        {
            throw GrpcErrors.PermissionDenied("publishing an announcement needs a GM or an admin; agents may save drafts");
        }
    }

    /// <summary>Unknown and out-of-scope servers get the same answer, so a scope never reveals that a server exists.</summary>
    private async Task EnsureTargetsAsync(AnnouncementPlan plan, CancellationToken ct)
    {
        if (plan.AllServers)
        {
            Caller.EnsureCoversEveryServer("an announcement to all servers");
            return;
        }
        var known = await db.Set<GameServerEntity>().AsNoTracking().Where(g => plan.GameServerIds.Contains(g.GameServerId)).Select(g => g.GameServerId).ToListAsync(ct);
        var v = new Violations();
        for (var i = 0; i < plan.GameServerIds.Count; i++)
        {
            var id = plan.GameServerIds[i];
            if (!known.Contains(id, StringComparer.Ordinal) || !Caller.Sees(id))
            {
                v.Add($"spec.targets.game_server_ids[{i.ToString(CultureInfo.InvariantCulture)}]", $"unknown game server '{id}'");
            }
        }
        v.ThrowIfAny();
    }

    private void Publish(Announcement a)
    {
        if (NeedsApproval(a.AllServers, a.TargetGameServers.Count) && a.Approver is null)
        {
            a.State = AnnouncementStates.PendingApproval;
            a.NextFireAt = null;
            return;
        }
        a.State = AnnouncementStates.Published;
        Reschedule(a);
    }

    /// <summary>The next fire after what was already considered; a never-fired announcement starts from its first fire (late ones are the poller's to judge).</summary>
    private static void Reschedule(Announcement a)
    {
        var spec = Schedule(a);
        a.NextFireAt = (a.ConsideredThrough is { } through ? AnnouncementSchedule.FirstAfter(spec, through) : AnnouncementSchedule.FirstAtOrAfter(spec, DateTimeOffset.MinValue))?.At;
    }

    public static ScheduleSpec Schedule(Announcement a) => new(a.StartsAt, a.EndsAt, a.RepeatInterval, a.MaintenanceAt, a.CountdownOffsets);

    private static void Apply(Announcement a, AnnouncementPlan plan)
    {
        a.TextsJson = AnnouncementTexts.ToJson(plan.Texts);
        a.FinalTextsJson = AnnouncementTexts.ToJson(plan.FinalTexts);
        a.Display = plan.Display;
        a.AllServers = plan.AllServers;
        a.TargetGameServers = [.. plan.GameServerIds];
        a.StartsAt = plan.Start;
        a.EndsAt = plan.End;
        a.RepeatInterval = plan.Interval;
        a.Priority = plan.Priority;
        a.MaintenanceAt = plan.MaintenanceAt;
        a.CountdownOffsets = [.. plan.OffsetsMinutes];
    }

    private async Task<Announcement> LockVisibleAsync(long id, CancellationToken ct) =>
        Caller.VisibleAnnouncement(await db.LockAsync<Announcement>(id, ct), id);

    private async Task<Announcement> LockPendingAsync(long id, CancellationToken ct)
    {
        var a = await LockVisibleAsync(id, ct);
        return a.State == AnnouncementStates.PendingApproval ? a : throw GrpcErrors.FailedPrecondition($"the announcement is {a.State}, not waiting for approval");
    }

    private static AuditEntry Entry(string action, Announcement a, string reason, object? extra = null) =>
        new(action, "announcement", a.AnnouncementId.ToString(CultureInfo.InvariantCulture),
            new { a.State, a.Display, a.AllServers, targets = a.TargetGameServers, a.StartsAt, a.EndsAt, a.RepeatInterval, a.MaintenanceAt, offsets = a.CountdownOffsets, extra },
            GameServerId: !a.AllServers && a.TargetGameServers.Count == 1 ? a.TargetGameServers[0] : null,
            Reason: reason);
}
