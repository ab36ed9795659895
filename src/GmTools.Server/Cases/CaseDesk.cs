using System.Globalization;
using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

/// <summary>
/// The writers of a case: open, note, change state, assign/claim. Each change and its audit record commit in one
/// transaction; the case row is locked first, so two agents working one case take turns.
/// </summary>
public sealed class CaseDesk(
    GmToolsDbContext db,
    AuditWriter audit,
    CaseAssignment assignment,
    RequestContext request,
    IOptionsMonitor<CaseOptions> options,
    IEnumerable<IPlayerFollowUps> followUps,
    TimeProvider time)
{
    private Caller Caller => request.Caller;

    /// <summary>The player's VIP tier as VIP care holds it (null: not a VIP), for deadlines by tier.</summary>
    private async Task<string?> VipTierOfAsync(string playerId, CancellationToken ct) =>
        await db.Set<VipCare.VipPlayer>().AsNoTracking().Where(v => v.PlayerId == playerId && v.Tier != "").Select(v => v.Tier).FirstOrDefaultAsync(ct);

    public async Task<PlayerCase> OpenAsync(OpenCaseOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var player = Caller.VisiblePlayer(await db.Set<Player>().AsNoTracking().SingleOrDefaultAsync(p => p.PlayerId == order.PlayerId, ct), order.PlayerId);
        var channel = order.Channel;
        if (Caller.Kind == CallerKind.GameServer)
        {
            // A game server opens what its player asked for in game ("contact support"); it speaks for nobody else.
            if (channel is not (null or CaseChannels.InGame))
            {
                throw GrpcErrors.InvalidArgument("channel", "a game server opens in-game cases only");
            }
            channel = CaseChannels.InGame;
        }
        else if (channel is null)
        {
            throw GrpcErrors.InvalidArgument("channel", "is required");
        }
        var r = order.Record;
        var o = options.CurrentValue;
        var vipTier = await VipTierOfAsync(player.PlayerId, ct);
        var (firstResponse, resolution) = CaseSla.Targets(o, order.Kind, order.Priority, vipTier);
        var c = new PlayerCase
        {
            PlayerId = player.PlayerId,
            GameServerId = player.GameServerId,
            Kind = order.Kind,
            Channel = channel,
            Priority = order.Priority,
            Summary = order.Summary,
            Description = order.Description,
            Account = r.Account,
            RecordGameServerId = r.GameServerId,
            CharacterName = r.CharacterName,
            EventAt = r.EventAt,
            Contact = r.Contact,
            ItemName = r.ItemName,
            Location = r.Location,
            PaymentChannel = r.PaymentChannel,
            OrderReference = r.OrderReference,
            Amount = r.Amount,
            Currency = r.Currency,
            PaidAt = r.PaidAt,
            GameArea = r.GameArea,
            ClientVersion = r.ClientVersion,
            OpenedBy = Caller.Id,
            OpenedAt = now,
            UpdatedAt = now,
            FirstResponseDue = now + firstResponse,
            ResolutionDue = now + resolution,
            EscalationLevel = o.EffectiveEscalationLevels[0].Name,
        };
        db.Add(c);
        await db.SaveChangesAsync(ct);
        // The contact is personal data: the audit record says only that one was recorded.
        await audit.AppendAsync(Entry("case.open", c, change: new
        {
            c.Kind,
            c.Channel,
            c.Priority,
            c.Summary,
            c.OrderReference,
            c.Amount,
            c.Currency,
            c.ItemName,
            record = new { c.Account, c.RecordGameServerId, c.CharacterName, c.EventAt, contactRecorded = c.Contact.Length > 0 },
        }), ct);
        await followUps.SignalAfterCommitAsync(db, PlayerFollowUpEvents.CaseOpened);
        await tx.CommitAsync(ct);
        return c;
    }

    public async Task<NotedCase> AddNoteAsync(CaseNoteOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        var note = AddNote(c, order.Text, order.AttachmentRefs, now);
        Responded(c, now);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.note", c, change: new { note.NoteId, attachments = note.AttachmentRefs.Count }), ct);
        await tx.CommitAsync(ct);
        return new NotedCase(c, note);
    }

    public async Task<PlayerCase> ChangeStateAsync(CaseStateOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        var from = c.State;
        if (CaseRules.Refusal(from, order.State, c.ResolvedAt, now, o.ReopenPeriod) is { } why)
        {
            throw GrpcErrors.FailedPrecondition(why);
        }
        var reopen = CaseRules.IsReopen(from, order.State);
        if (order.State is CaseStates.Resolved or CaseStates.Closed)
        {
            EnsureMayDecide(c, o);
        }
        if ((reopen || order.State == CaseStates.Resolved) && string.IsNullOrWhiteSpace(order.Note))
        {
            throw GrpcErrors.InvalidArgument("note", reopen ? "is required to reopen a case: say why" : "is required to resolve a case: the answer given");
        }
        c.State = order.State;
        Resume(c, now);
        if (order.State == CaseStates.WaitingForPlayer && o.PauseWhileWaitingForPlayer)
        {
            c.PausedAt = now;
        }
        switch (order.State)
        {
            case CaseStates.Resolved:
                c.ResolvedAt = now;
                break;
            case CaseStates.Closed:
                c.ClosedAt = now;
                break;
            case CaseStates.InProgress when reopen:
                c.ReopenCount++;
                c.ResolvedAt = null;
                c.ClosedAt = null;
                // A reopened case gets a fresh resolution deadline.
                c.ResolutionDue = now + CaseSla.Targets(o, c.Kind, c.Priority, await VipTierOfAsync(c.PlayerId, ct)).Resolution;
                c.ResolutionWarnedAt = null;
                c.ResolutionBreachedAt = null;
                break;
        }
        Responded(c, now);
        long? noteId = null;
        if (!string.IsNullOrWhiteSpace(order.Note))
        {
            var note = AddNote(c, order.Note, [], now);
            await db.SaveChangesAsync(ct);
            noteId = note.NoteId;
        }
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry(reopen ? "case.reopen" : "case.state", c, change: new { from, to = c.State, noteId }), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    public async Task<PlayerCase> AssignAsync(AssignCaseOrder order, CancellationToken ct)
    {
        if (order.Fair)
        {
            return await AssignFairlyAsync(order, ct);
        }
        var now = time.GetUtcNow();
        var assignee = order.Assignee ?? Caller.Id;
        var claim = string.Equals(assignee, Caller.Id, StringComparison.Ordinal);
        if (!claim && !Caller.Holds(Permissions.CasesAssign))
        {
            throw GrpcErrors.PermissionDenied($"assigning a case to someone else needs permission '{Permissions.CasesAssign}'; claim it for yourself instead");
        }
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        if (c.State == CaseStates.Closed)
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is closed");
        }
        if (string.Equals(c.Assignee, assignee, StringComparison.Ordinal))
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is already assigned to {assignee}");
        }
        if (claim && c.Assignee is not null && !Caller.Holds(Permissions.CasesAssign))
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is assigned to {c.Assignee}; a supervisor reassigns it");
        }
        var previous = c.Assignee;
        c.Assignee = assignee;
        c.AssignedAt = now;
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry(claim ? "case.claim" : "case.assign", c, order.Reason, new { from = previous, to = assignee }), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    /// <summary>
    /// The roster picks (Staffing's FairAssigner over this queue's loads). Fair assignments take turns on one advisory
    /// lock, so two at once count each other's pick instead of both landing on the same least-loaded agent.
    /// </summary>
    private async Task<PlayerCase> AssignFairlyAsync(AssignCaseOrder order, CancellationToken ct)
    {
        if (!Caller.Holds(Permissions.CasesAssign))
        {
            throw GrpcErrors.PermissionDenied($"fair assignment needs permission '{Permissions.CasesAssign}'; claim the case for yourself instead");
        }
        var now = time.GetUtcNow();
        var levels = options.CurrentValue.EffectiveEscalationLevels;
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        if (!CaseStates.Open.Contains(c.State))
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is {c.State}");
        }
        if (CaseSla.IndexOf(levels, c.EscalationLevel) > 0)
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is escalated to {c.EscalationLevel}: that level assigns it by name");
        }
        await db.AdvisoryLockAsync("case-fair-assignment", ct);
        var loads = await assignment.LoadsAsync(now, ct);
        var previous = await assignment.PreviousAgentAsync(c, ct);
        var picked = Staffing.FairAssigner.Pick(loads.Where(l => l.AgentId != c.Assignee), previous)
            ?? throw GrpcErrors.FailedPrecondition("no agent on duty has capacity left today");
        var from = c.Assignee;
        c.Assignee = picked;
        c.AssignedAt = now;
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.assign", c, order.Reason, new { from, to = picked, fair = true, continuity = picked == previous }), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    public async Task<PlayerCase> EscalateAsync(EscalateOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(order.CaseId, ct);
        if (!CaseStates.Open.Contains(c.State))
        {
            throw GrpcErrors.FailedPrecondition($"a {c.State} case is not escalated; reopen it first");
        }
        await EscalateAsync(c, order.Reason, automatic: false, now, ct);
        await tx.CommitAsync(ct);
        return c;
    }

    /// <summary>
    /// The player's rating of a resolved (or closed) case. Staff record what the player said; a game server records
    /// its own player's answer from the in-game survey. A later rating replaces the earlier one.
    /// </summary>
    public async Task<PlayerCase> RecordSatisfactionAsync(long caseId, int rating, string comment, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(caseId, ct);
        if (c.State is not (CaseStates.Resolved or CaseStates.Closed))
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is {c.State}; satisfaction is recorded once it is resolved");
        }
        var previous = c.SatisfactionRating;
        c.SatisfactionRating = rating;
        c.SatisfactionComment = comment;
        c.SatisfactionAt = now;
        c.SatisfactionBy = Caller.Id;
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.satisfaction", c, change: new { rating, previous, commentLength = comment.Length }), ct);
        await tx.CommitAsync(ct);
        return c;
    }

    /// <summary>
    /// Marks a bug report a duplicate of a master. The master's own master is followed, and the report's duplicates
    /// move with it, so there is one level: every duplicate points at a master that is none.
    /// </summary>
    public async Task<DuplicateMarked> MarkDuplicateAsync(long caseId, long masterId, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        await using var tx = await db.BeginWorkAsync(ct);
        // Both rows in id order: two marks of the same pair the other way round never deadlock.
        var first = await LockVisibleAsync(Math.Min(caseId, masterId), ct);
        var second = await LockVisibleAsync(Math.Max(caseId, masterId), ct);
        var (c, master) = first.CaseId == caseId ? (first, second) : (second, first);
        if (c.Kind != o.BugKind || master.Kind != o.BugKind)
        {
            throw GrpcErrors.FailedPrecondition($"duplicates are bug reports ({o.BugKind} cases); case {(c.Kind != o.BugKind ? c.CaseId : master.CaseId)} is a {(c.Kind != o.BugKind ? c.Kind : master.Kind)} case");
        }
        if (master.DuplicateOf is { } root)
        {
            master = await LockVisibleAsync(root, ct);
        }
        if (master.CaseId == c.CaseId)
        {
            throw GrpcErrors.FailedPrecondition($"case {masterId} is a duplicate of case {c.CaseId}: it cannot be its master");
        }
        if (c.DuplicateOf == master.CaseId)
        {
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is already a duplicate of case {master.CaseId}");
        }
        var previous = c.DuplicateOf;
        c.DuplicateOf = master.CaseId;
        var moved = await db.Set<PlayerCase>().Where(d => d.DuplicateOf == c.CaseId)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.DuplicateOf, master.CaseId).SetProperty(d => d.UpdatedAt, now), ct);
        AddNote(c, $"duplicate of bug report {master.CaseId}", [], now);
        AddNote(master, $"bug report {c.CaseId} is a duplicate of this one" + (moved > 0 ? $" (with its {moved} duplicates)" : ""), [], now);
        Responded(c, now);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.duplicate", c, change: new { master = master.CaseId, previous, moved }), ct);
        await tx.CommitAsync(ct);
        return new DuplicateMarked(c, master.CaseId);
    }

    /// <summary>
    /// A decision raised from the case that is above the caller's authority (a grant over the requester's limit, a
    /// recharge adjustment above the threshold): instead of a refusal, the case goes straight up to the lowest level
    /// whose role holds <paramref name="permission"/>, in the caller's transaction. Nothing when it is there already.
    /// </summary>
    public async Task RaiseToDeciderAsync(long caseId, string permission, string why, CancellationToken ct)
    {
        var c = await LockVisibleAsync(caseId, ct);
        var levels = options.CurrentValue.EffectiveEscalationLevels;
        var decider = CaseSla.LowestLevelHolding(levels, permission);
        if (decider <= CaseSla.IndexOf(levels, c.EscalationLevel) || !CaseStates.Open.Contains(c.State))
        {
            return;
        }
        await EscalateToAsync(c, decider, $"{why}: that level ({levels[decider].DecidedBy}) decides it", automatic: false, time.GetUtcNow(), ct);
    }

    /// <summary>
    /// A decision refused to the caller but raised from the case (a lift of a sanction the caller may not change):
    /// the case goes up, in its own transaction, to the lowest level that holds <paramref name="permission"/> and is
    /// above the caller's own authority. Answers the level the case is at afterwards.
    /// </summary>
    public async Task<string> RaiseAboveCallerAsync(long caseId, string permission, string why, CancellationToken ct)
    {
        await using var tx = await db.BeginWorkAsync(ct);
        var c = await LockVisibleAsync(caseId, ct);
        var levels = options.CurrentValue.EffectiveEscalationLevels;
        var decider = Math.Min(levels.Count - 1, Math.Max(CaseSla.LowestLevelHolding(levels, permission), CaseSla.AuthorityOf(Caller, levels) + 1));
        if (decider > CaseSla.IndexOf(levels, c.EscalationLevel) && CaseStates.Open.Contains(c.State))
        {
            await EscalateToAsync(c, decider, $"{why}: that level ({levels[decider].DecidedBy}) decides it", automatic: false, time.GetUtcNow(), ct);
        }
        await tx.CommitAsync(ct);
        return c.EscalationLevel;
    }

    /// <summary>One level up, in the caller's transaction: the new level's queue gets it unassigned, with a note and an audit record.</summary>
    internal async Task EscalateAsync(PlayerCase c, string reason, bool automatic, DateTimeOffset now, CancellationToken ct)
    {
        var levels = options.CurrentValue.EffectiveEscalationLevels;
        var at = CaseSla.IndexOf(levels, c.EscalationLevel);
        if (at + 1 >= levels.Count)
        {
            if (automatic)
            {
                return; // the top level keeps it; the breach itself is recorded
            }
            throw GrpcErrors.FailedPrecondition($"case {c.CaseId} is already at the top level ({levels[at].Name})");
        }
        await EscalateToAsync(c, at + 1, reason, automatic, now, ct);
    }

    private async Task EscalateToAsync(PlayerCase c, int level, string reason, bool automatic, DateTimeOffset now, CancellationToken ct)
    {
        var levels = options.CurrentValue.EffectiveEscalationLevels;
        var from = c.EscalationLevel;
        var previousAssignee = c.Assignee;
        c.EscalationLevel = levels[level].Name;
        c.EscalatedAt = now;
        c.Assignee = null;
        c.AssignedAt = null;
        var note = AddNote(c, $"escalated {from} -> {c.EscalationLevel}: {reason}", [], now);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(Entry("case.escalate", c, reason, new { from, to = c.EscalationLevel, automatic, previousAssignee, note.NoteId }), ct);
    }

    /// <summary>Resolving or closing is the decision: only at or above the case's level (else escalate, or ask that level).</summary>
    private void EnsureMayDecide(PlayerCase c, CaseOptions o)
    {
        var levels = o.EffectiveEscalationLevels;
        var need = CaseSla.IndexOf(levels, c.EscalationLevel);
        if (CaseSla.AuthorityOf(Caller, levels) < need)
        {
            throw GrpcErrors.PermissionDenied($"case {c.CaseId} is escalated to {levels[need].Name}: that level ({levels[need].DecidedBy}) decides it");
        }
    }

    /// <summary>Leaving a paused wait moves the deadlines on by the time waited.</summary>
    private static void Resume(PlayerCase c, DateTimeOffset now)
    {
        if (c.PausedAt is not { } paused)
        {
            return;
        }
        var waited = now - paused;
        c.ResolutionDue += waited;
        if (c.FirstResponseAt is null)
        {
            c.FirstResponseDue += waited;
        }
        c.PausedAt = null;
    }

    private CaseNoteEntity AddNote(PlayerCase c, string text, IReadOnlyList<string> attachments, DateTimeOffset now)
    {
        var note = new CaseNoteEntity { CaseId = c.CaseId, Author = Caller.Id, Text = text, AttachmentRefs = [.. attachments], CreatedAt = now };
        db.Add(note);
        c.UpdatedAt = now;
        return note;
    }

    /// <summary>The first thing staff do on a case other than opening it is its first response (the SLA's clock).</summary>
    private void Responded(PlayerCase c, DateTimeOffset now)
    {
        if (c.FirstResponseAt is null && Caller.Kind == CallerKind.Staff)
        {
            c.FirstResponseAt = now;
        }
    }

    private async Task<PlayerCase> LockVisibleAsync(long caseId, CancellationToken ct) =>
        Caller.VisibleCase(await db.LockAsync<PlayerCase>(caseId, ct), caseId);

    private static AuditEntry Entry(string action, PlayerCase c, string reason = "", object? change = null) =>
        new(action, "case", c.CaseId.ToString(CultureInfo.InvariantCulture), change, PlayerId: c.PlayerId, GameServerId: c.GameServerId,
            Reason: reason, TicketRef: "case:" + c.CaseId.ToString(CultureInfo.InvariantCulture));
}
