using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Rewards;

/// <summary>
/// Grants: create (idempotent, priced, limited by role), approve/reject by another person, revoke with
/// cancel-or-claw-back. Every change and its outbox commands and audit record commit in one transaction.
/// </summary>
public sealed class GrantDesk(GmToolsDbContext db, AuditWriter audit, CommandOutbox outbox, CommandWithdrawals withdrawals, Cases.CaseDesk cases, RequestContext request, IOptions<RewardOptions> options, IEnumerable<IPlayerFollowUps> followUps, TimeProvider time)
{
    private RewardOptions Options => options.Value;

    private Caller Caller => request.Caller;

    /// <summary>
    /// The order's shape has been checked by the caller; this checks it against the world. The answer carries each
    /// recipient's delivery state, read after the commit (mail within the limits is queued by it).
    /// </summary>
    public async Task<GrantResult> CreateAsync(GrantOrder order, CancellationToken ct)
    {
        var (grant, replayed) = await CreateOrReplayAsync(order, ct);
        return new GrantResult(await DescribeAsync(grant, ct), replayed);
    }

    private async Task<(Grant Grant, bool Replayed)> CreateOrReplayAsync(GrantOrder order, CancellationToken ct)
    {
        var hash = GrantRequestHash.Compute(order);
        if (await FindReplayAsync(order.IdempotencyKey, hash, ct) is { } earlier)
        {
            return (earlier, true);
        }
        try
        {
            return await CreateNewAsync(order, hash, ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: GrantConfigurationNames.IdempotencyIndex })
        {
            // Another request with this key committed first: answer with its grant (or refuse a conflicting reuse).
            db.ChangeTracker.Clear();
            return (await FindReplayAsync(order.IdempotencyKey, hash, ct) ?? throw GrpcErrors.AlreadyExists("idempotency key is in use"), true);
        }
    }

    private async Task<Grant?> FindReplayAsync(string key, byte[] hash, CancellationToken ct)
    {
        var earlier = await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients)
            .FirstOrDefaultAsync(g => g.Requester == Caller.Id && g.IdempotencyKey == key, ct);
        if (earlier is null)
        {
            return null;
        }
        if (!earlier.RequestHash.AsSpan().SequenceEqual(hash))
        {
            throw GrpcErrors.AlreadyExists($"idempotency key '{key}' was already used for a different request (grant {earlier.GrantId}); use a new key");
        }
        return earlier;
    }

    private async Task<(Grant Grant, bool Replayed)> CreateNewAsync(GrantOrder order, byte[] hash, CancellationToken ct)
    {
        var lines = order.Lines;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // One requester's grants are made one at a time: the per-day sum below and the key check must not race.
        await db.AdvisoryLockAsync("rewards.grant:" + Caller.Id, ct);
        if (await FindReplayAsync(order.IdempotencyKey, hash, ct) is { } earlier)
        {
            return (earlier, true);
        }
        var valuePerPlayer = await RewardLines.PriceAsync(db, lines, ct);
        var players = await FindPlayersAsync(order.PlayerIds, ct);
        if (order.CaseId is { } madeFrom)
        {
            await Cases.CaseReferences.EnsureMadeFromAsync(db, Caller, madeFrom, [.. players.Select(p => p.PlayerId)], "a grant", ct);
        }
        var total = RewardLines.Times(valuePerPlayer, players.Count);

        var now = time.GetUtcNow();
        var limit = Options.LimitFor(Caller);
        var approvalReason = "";
        if (total > limit.PerGrant)
        {
            approvalReason = "over the per-grant limit";
        }
        else
        {
            var dayStart = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            var dayEnd = dayStart.AddDays(1);
            var today = await db.Set<Grant>()
                .Where(g => g.Requester == Caller.Id && g.WithinOwnLimit && g.CreatedAt >= dayStart && g.CreatedAt < dayEnd)
                .SumAsync(g => (long?)g.TotalValue, ct) ?? 0;
            if (today + total > limit.PerDay)
            {
                approvalReason = "over the per-day limit";
            }
        }
        var withinLimit = approvalReason.Length == 0;
        var grant = new Grant
        {
            Requester = Caller.Id,
            IdempotencyKey = order.IdempotencyKey,
            RequestHash = hash,
            State = withinLimit ? GrantStates.Approved : GrantStates.PendingApproval,
            Lines = RewardLines.ToJson(lines),
            Reason = order.Reason,
            TicketRef = order.TicketRef,
            MailTitle = order.MailTitle,
            MailBody = order.MailBody,
            TotalValue = total,
            WithinOwnLimit = withinLimit,
            ApprovalReason = approvalReason,
            CreatedAt = now,
            Recipients = players.Select(p => new GrantRecipient { PlayerId = p.PlayerId, GameServerId = p.GameServerId }).ToList(),
            CaseId = order.CaseId,
        };
        db.Add(grant);
        await db.SaveChangesAsync(ct);
        if (withinLimit)
        {
            EnqueueMail(grant, lines);
            await db.SaveChangesAsync(ct);
        }
        await audit.AppendAsync(new AuditEntry("grant.create", "grant", grant.GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { grant.State, grant.TotalValue, grant.ApprovalReason, lines, players = grant.Recipients.Select(p => p.PlayerId), order.IdempotencyKey, grant.CaseId },
            PlayerId: SinglePlayer(grant), GameServerId: SingleServer(grant), Reason: order.Reason, TicketRef: order.TicketRef), ct);
        if (!withinLimit && grant.CaseId is { } caseId)
        {
            // Over the requester's limit from a case: the case goes up to the level that approves grants.
            await cases.RaiseToDeciderAsync(caseId, Permissions.RewardsApprove, $"grant {grant.GrantId} needs approval ({approvalReason})", ct);
        }
        await followUps.SignalAfterCommitAsync(db, PlayerFollowUpEvents.GrantApproved);
        await tx.CommitAsync(ct);
        return (grant, false);
    }

    /// <summary>Unknown players and players on game servers outside the caller's scope are both NOT_FOUND.</summary>
    private async Task<List<Player>> FindPlayersAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var wanted = ids.ToList();
        var found = await db.Set<Player>().AsNoTracking().Where(p => wanted.Contains(p.PlayerId))
            .Select(p => new Player { PlayerId = p.PlayerId, GameServerId = p.GameServerId }).ToListAsync(ct);
        var visible = found.Where(p => Caller.SeesPlayer(p.GameServerId)).ToDictionary(p => p.PlayerId, StringComparer.Ordinal);
        var missing = wanted.Where(id => !visible.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            throw GrpcErrors.NotFound($"unknown player(s): {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", ..." : "")}");
        }
        return wanted.Select(id => visible[id]).ToList();
    }

    private void EnqueueMail(Grant grant, IReadOnlyList<Line> lines)
    {
        var expiresAt = Options.MailExpiry > TimeSpan.Zero ? time.GetUtcNow() + Options.MailExpiry : (DateTimeOffset?)null;
        foreach (var recipient in grant.Recipients)
        {
            var mail = new MailReward { PlayerId = recipient.PlayerId, GrantId = GrantDelivery.GrantRef(grant.GrantId), Title = grant.MailTitle, Body = grant.MailBody };
            mail.Lines.AddRange(RewardLines.ToContract(lines));
            outbox.Enqueue(db, recipient.GameServerId, new GameCommand { MailReward = mail }, GrantDelivery.MailCorrelation(grant.GrantId, recipient.PlayerId), expiresAt);
        }
    }

    public async Task<GrantView> ApproveAsync(long grantId, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var grant = await LockAsync(grantId, ct);
        EnsureDecidable(grant);
        grant.State = GrantStates.Approved;
        Decide(grant, reason);
        EnqueueMail(grant, RewardLines.FromJson(grant.Lines));
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("grant.approve", "grant", Id(grant), new { grant.TotalValue, grant.Requester },
            PlayerId: SinglePlayer(grant), GameServerId: SingleServer(grant), Reason: reason, TicketRef: grant.TicketRef), ct);
        await followUps.SignalAfterCommitAsync(db, PlayerFollowUpEvents.GrantApproved);
        await tx.CommitAsync(ct);
        return await DescribeAsync(grant, ct);
    }

    public async Task<GrantView> RejectAsync(long grantId, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var grant = await LockAsync(grantId, ct);
        EnsureDecidable(grant);
        grant.State = GrantStates.Rejected;
        Decide(grant, reason);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("grant.reject", "grant", Id(grant), new { grant.TotalValue, grant.Requester },
            PlayerId: SinglePlayer(grant), GameServerId: SingleServer(grant), Reason: reason, TicketRef: grant.TicketRef), ct);
        await tx.CommitAsync(ct);
        return await DescribeAsync(grant, ct);
    }

    /// <summary>
    /// Takes the mail back (<see cref="CommandWithdrawals"/>): mail never sent is cancelled; applied mail gets a
    /// ClawBack now; mail sent but not answered waits for the game server's answer, and an "applied" then queues
    /// the ClawBack by itself. A sent command is never silently cancelled.
    /// </summary>
    public async Task<GrantView> RevokeAsync(RevokeGrantOrder order, CancellationToken ct)
    {
        var (grantId, reason, ticketRef) = order;
        await using var tx = await db.BeginWorkAsync(ct);
        var grant = await LockAsync(grantId, ct);
        if (grant.State is not (GrantStates.Approved or GrantStates.PendingApproval))
        {
            throw GrpcErrors.FailedPrecondition($"grant {grant.GrantId} is {grant.State} and cannot be revoked");
        }
        var cancelled = new List<string>();
        var clawedBack = new List<string>();
        var awaitingAnswer = new List<string>();
        if (grant.State == GrantStates.Approved)
        {
            var correlations = grant.Recipients.Select(r => GrantDelivery.MailCorrelation(grant.GrantId, r.PlayerId)).ToArray();
            // Wherever the mail is now: in the outbox, or (settled long ago) moved to the history by the purge.
            var mailKind = CommandOutbox.KindOf(new GameCommand { MailReward = new MailReward() });
            var mails = (await CommandHistory.ByCorrelationAsync(db, correlations, ct)).Where(c => c.Kind == mailKind).ToList();
            var lines = RewardLines.FromJson(grant.Lines);
            var players = new Dictionary<long, string>();
            var orders = new List<WithdrawalOrder>();
            foreach (var recipient in grant.Recipients)
            {
                var mail = mails.FirstOrDefault(m => m.CorrelationId == GrantDelivery.MailCorrelation(grant.GrantId, recipient.PlayerId));
                if (mail is null)
                {
                    continue;
                }
                var claw = new ClawBack { PlayerId = recipient.PlayerId, GrantId = GrantDelivery.GrantRef(grant.GrantId), Reason = reason };
                claw.Lines.AddRange(RewardLines.ToContract(lines));
                orders.Add(new WithdrawalOrder(mail.CommandId, mail.GameServerId, new GameCommand { ClawBack = claw }, GrantDelivery.ClawBackCorrelation(grant.GrantId, recipient.PlayerId)));
                players[mail.CommandId] = recipient.PlayerId;
            }
            var decided = await withdrawals.WithdrawAsync(db, orders, ct);
            foreach (var moved in orders.Where(o => decided.All(w => w.CommandId != o.CommandId)))
            {
                // Purged from the outbox, so settled: applied mail is taken back now, anything else never arrived.
                if (mails.First(m => m.CommandId == moved.CommandId).Outcome == OutboxOutcomes.Applied)
                {
                    outbox.Enqueue(db, moved.GameServerId, moved.Compensation!, moved.CompensationCorrelation);
                    clawedBack.Add(players[moved.CommandId]);
                }
            }
            foreach (var w in decided)
            {
                (w.Outcome switch
                {
                    WithdrawalOutcome.Cancelled => cancelled,
                    WithdrawalOutcome.CompensationQueued => clawedBack,
                    WithdrawalOutcome.AwaitingAnswer => awaitingAnswer,
                    _ => null,
                })?.Add(players[w.CommandId]);
            }
        }
        grant.State = GrantStates.Revoked;
        grant.RevokedBy = Caller.Id;
        grant.RevokedAt = time.GetUtcNow();
        grant.RevokeReason = reason;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("grant.revoke", "grant", Id(grant), new { cancelled, clawedBack, awaitingAnswer },
            PlayerId: SinglePlayer(grant), GameServerId: SingleServer(grant), Reason: reason, TicketRef: ticketRef), ct);
        await tx.CommitAsync(ct);
        return await DescribeAsync(grant, ct);
    }

    public async Task<GrantView> GetAsync(long grantId, CancellationToken ct)
    {
        var grant = await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients).FirstOrDefaultAsync(g => g.GrantId == grantId, ct);
        return await DescribeAsync(Caller.VisibleGrant(grant, grantId), ct);
    }

    /// <summary>The grant with each recipient's delivery state from the outbox (and its history).</summary>
    private async Task<GrantView> DescribeAsync(Grant grant, CancellationToken ct) => new(grant, await GrantDelivery.ReadAsync(db, grant, ct));

    public async Task<(List<Grant> Grants, string NextPageToken)> ListAsync(GrantFilter r, CancellationToken ct)
    {
        var size = PageToken.Size(r.PageSize, 500);
        var cursor = PageToken.Decode(r.PageToken, "page_token");
        long? before = cursor is null ? null : long.TryParse(cursor, out var c) ? c : throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        var q = db.Set<Grant>().AsNoTracking();
        if (before is { } b)
        {
            q = q.Where(g => g.GrantId < b);
        }
        if (r.PlayerId.Length > 0)
        {
            q = q.Where(g => g.Recipients.Any(x => x.PlayerId == r.PlayerId));
        }
        if (r.Requester.Length > 0)
        {
            q = q.Where(g => g.Requester == r.Requester);
        }
        if (r.State is { } state)
        {
            q = q.Where(g => g.State == state);
        }
        if (Caller.VisibleServers() is { } visibleServers)
        {
            // A grant is listed only whole: every recipient on a visible server (ObjectRules.SeesGrant).
            var scope = visibleServers.ToList();
            q = q.Where(g => g.Recipients.All(x => scope.Contains(x.GameServerId)));
        }
        var page = await q.OrderByDescending(g => g.GrantId).Take(size + 1).Include(g => g.Recipients).ToListAsync(ct);
        var next = page.Count > size ? PageToken.Encode(page[size - 1].GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture)) : "";
        return (page.Take(size).ToList(), next);
    }

    private async Task<Grant> LockAsync(long grantId, CancellationToken ct)
    {
        var grant = await db.LockAsync<Grant>(grantId, ct);
        if (grant is not null)
        {
            await db.Entry(grant).Collection(g => g.Recipients).LoadAsync(ct);
        }
        return Caller.VisibleGrant(grant, grantId);
    }

    private void EnsureDecidable(Grant grant)
    {
        // Four eyes: the person who asked may not also say yes (or no) to their own grant.
        Caller.EnsureSomeoneElse("a grant must be decided by someone other than its requester", grant.Requester);
        if (grant.State != GrantStates.PendingApproval)
        {
            throw GrpcErrors.FailedPrecondition($"grant {grant.GrantId} is {grant.State}, not pending approval");
        }
    }

    private void Decide(Grant grant, string reason)
    {
        grant.DecidedBy = Caller.Id;
        grant.DecidedAt = time.GetUtcNow();
        grant.DecisionReason = reason;
    }

    private static string Id(Grant g) => g.GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? SinglePlayer(Grant g) => g.Recipients.Count == 1 ? g.Recipients[0].PlayerId : null;

    private static string? SingleServer(Grant g) => g.Recipients.Select(r => r.GameServerId).Distinct().Count() == 1 ? g.Recipients[0].GameServerId : null;
}
