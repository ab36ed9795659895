using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.Rewards;

public sealed record GrantResult(Grant Grant, bool Replayed);

/// <summary>
/// Grants: create (idempotent, priced, limited by role), approve/reject by another person, revoke with
/// cancel-or-claw-back. Every change and its outbox commands and audit record commit in one transaction.
/// </summary>
public sealed class GrantDesk(GmToolsDbContext db, AuditWriter audit, CommandOutbox outbox, CommandWithdrawals withdrawals, Cases.CaseDesk cases, RequestContext request, IOptions<RewardOptions> options, IEnumerable<IPlayerFollowUps> followUps, TimeProvider time)
{
    private RewardOptions Options => options.Value;

    private Caller Caller => request.Caller;

    /// <summary>The request's shape has been checked by the caller; this checks it against the world.</summary>
    public async Task<GrantResult> CreateAsync(CreateGrantRequest r, CancellationToken ct)
    {
        var hash = GrantRequestHash.Compute(r);
        if (await FindReplayAsync(r.IdempotencyKey, hash, ct) is { } earlier)
        {
            return new GrantResult(earlier, true);
        }
        try
        {
            return await CreateNewAsync(r, hash, ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: GrantConfigurationNames.IdempotencyIndex })
        {
            // Another request with this key committed first: answer with its grant (or refuse a conflicting reuse).
            db.ChangeTracker.Clear();
            return new GrantResult(await FindReplayAsync(r.IdempotencyKey, hash, ct) ?? throw GrpcErrors.AlreadyExists("idempotency key is in use"), true);
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

    private async Task<GrantResult> CreateNewAsync(CreateGrantRequest r, byte[] hash, CancellationToken ct)
    {
        var lines = r.Lines.Select(l => new Line(l.ItemId, l.Count)).ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // One requester's grants are made one at a time: the per-day sum below and the key check must not race.
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"rewards.grant:" + Caller.Id}, 0))", ct);
        if (await FindReplayAsync(r.IdempotencyKey, hash, ct) is { } earlier)
        {
            return new GrantResult(earlier, true);
        }
        var valuePerPlayer = await RewardLines.PriceAsync(db, lines, ct);
        var players = await FindPlayersAsync(r.PlayerIds, ct);
        if (r.CaseId != 0)
        {
            await Cases.CaseReferences.EnsureMadeFromAsync(db, Caller, r.CaseId, [.. players.Select(p => p.PlayerId)], "a grant", ct);
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
            IdempotencyKey = r.IdempotencyKey,
            RequestHash = hash,
            State = withinLimit ? GrantStates.Approved : GrantStates.PendingApproval,
            Lines = RewardLines.ToJson(lines),
            Reason = r.Reason,
            TicketRef = r.TicketRef,
            MailTitle = r.MailTitle,
            MailBody = r.MailBody,
            TotalValue = total,
            WithinOwnLimit = withinLimit,
            ApprovalReason = approvalReason,
            CreatedAt = now,
            Recipients = players.Select(p => new GrantRecipient { PlayerId = p.PlayerId, GameServerId = p.GameServerId }).ToList(),
            CaseId = r.CaseId == 0 ? null : r.CaseId,
        };
        db.Add(grant);
        await db.SaveChangesAsync(ct);
        if (withinLimit)
        {
            EnqueueMail(grant, lines);
            await db.SaveChangesAsync(ct);
        }
        await audit.AppendAsync(new AuditEntry("grant.create", "grant", grant.GrantId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { grant.State, grant.TotalValue, grant.ApprovalReason, lines, players = grant.Recipients.Select(p => p.PlayerId), r.IdempotencyKey, grant.CaseId },
            PlayerId: SinglePlayer(grant), GameServerId: SingleServer(grant), Reason: r.Reason, TicketRef: r.TicketRef), ct);
        if (!withinLimit && grant.CaseId is { } caseId)
        {
            // Over the requester's limit from a case: the case goes up to the level that approves grants.
            await cases.RaiseToDeciderAsync(caseId, Permissions.RewardsApprove, $"grant {grant.GrantId} needs approval ({approvalReason})", ct);
        }
        await followUps.SignalAfterCommitAsync(db, PlayerFollowUpEvents.GrantApproved);
        await tx.CommitAsync(ct);
        return new GrantResult(grant, false);
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

    private void EnqueueMail(Grant grant, List<Line> lines)
    {
        var expiresAt = Options.MailExpiry > TimeSpan.Zero ? time.GetUtcNow() + Options.MailExpiry : (DateTimeOffset?)null;
        foreach (var recipient in grant.Recipients)
        {
            var mail = new MailReward { PlayerId = recipient.PlayerId, GrantId = GrantDelivery.GrantRef(grant.GrantId), Title = grant.MailTitle, Body = grant.MailBody };
            mail.Lines.AddRange(RewardLines.ToContract(lines));
            outbox.Enqueue(db, recipient.GameServerId, new GameCommand { MailReward = mail }, GrantDelivery.MailCorrelation(grant.GrantId, recipient.PlayerId), expiresAt);
        }
    }

    public async Task<Grant> ApproveAsync(long grantId, string reason, CancellationToken ct)
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
        return grant;
    }

    public async Task<Grant> RejectAsync(long grantId, string reason, CancellationToken ct)
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
        return grant;
    }

    /// <summary>
    /// Takes the mail back (<see cref="CommandWithdrawals"/>): mail never sent is cancelled; applied mail gets a
    /// ClawBack now; mail sent but not answered waits for the game server's answer, and an "applied" then queues
    /// the ClawBack by itself. A sent command is never silently cancelled.
    /// </summary>
    public async Task<Grant> RevokeAsync(long grantId, string reason, string ticketRef, CancellationToken ct)
    {
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
        return grant;
    }

    public async Task<Grant> GetAsync(long grantId, CancellationToken ct)
    {
        var grant = await db.Set<Grant>().AsNoTracking().Include(g => g.Recipients).FirstOrDefaultAsync(g => g.GrantId == grantId, ct);
        return Caller.VisibleGrant(grant, grantId);
    }

    public async Task<(List<Grant> Grants, string NextPageToken)> ListAsync(ListGrantsRequest r, CancellationToken ct)
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
        if (r.State != Contracts.V1.GrantState.Unspecified)
        {
            var state = GrantViews.StateName(r.State);
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
        var grant = await db.Set<Grant>().FromSqlInterpolated($"SELECT * FROM grants WHERE grant_id = {grantId} FOR UPDATE").FirstOrDefaultAsync(ct);
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

public static class GrantViews
{
    public static string StateName(Contracts.V1.GrantState state) => state switch
    {
        Contracts.V1.GrantState.PendingApproval => GrantStates.PendingApproval,
        Contracts.V1.GrantState.Approved => GrantStates.Approved,
        Contracts.V1.GrantState.Rejected => GrantStates.Rejected,
        Contracts.V1.GrantState.Revoked => GrantStates.Revoked,
        _ => "",
    };

    public static Contracts.V1.GrantState ToContractState(string state) => state switch
    {
        GrantStates.PendingApproval => Contracts.V1.GrantState.PendingApproval,
        GrantStates.Approved => Contracts.V1.GrantState.Approved,
        GrantStates.Rejected => Contracts.V1.GrantState.Rejected,
        GrantStates.Revoked => Contracts.V1.GrantState.Revoked,
        _ => Contracts.V1.GrantState.Unspecified,
    };

    public static Contracts.V1.Grant ToContract(Grant g)
    {
        var view = new Contracts.V1.Grant
        {
            GrantId = g.GrantId,
            Requester = g.Requester,
            State = ToContractState(g.State),
            Reason = g.Reason,
            TicketRef = g.TicketRef,
            MailTitle = g.MailTitle,
            MailBody = g.MailBody,
            TotalValue = g.TotalValue,
            CreatedAt = Timestamp.FromDateTimeOffset(g.CreatedAt),
            DecidedBy = g.DecidedBy ?? "",
            DecidedAt = g.DecidedAt is { } d ? Timestamp.FromDateTimeOffset(d) : null,
            DecisionReason = g.DecisionReason ?? "",
            RevokedBy = g.RevokedBy ?? "",
            RevokedAt = g.RevokedAt is { } v ? Timestamp.FromDateTimeOffset(v) : null,
            RevokeReason = g.RevokeReason ?? "",
            ApprovalReason = g.ApprovalReason,
            CaseId = g.CaseId ?? 0,
        };
        view.Lines.AddRange(RewardLines.ToContract(RewardLines.FromJson(g.Lines)));
        return view;
    }

    /// <summary>The full view, with each recipient's delivery state from the outbox.</summary>
    public static async Task<Contracts.V1.Grant> DescribeAsync(DbContext db, Grant g, CancellationToken ct)
    {
        var view = ToContract(g);
        await GrantDelivery.DescribeAsync(db, g, view, ct);
        return view;
    }

    public static Contracts.V1.Grant Summary(Grant g)
    {
        var view = ToContract(g);
        view.Recipients.AddRange(g.Recipients.OrderBy(r => r.PlayerId, StringComparer.Ordinal)
            .Select(r => new Contracts.V1.GrantRecipient { PlayerId = r.PlayerId, GameServerId = r.GameServerId }));
        return view;
    }
}
