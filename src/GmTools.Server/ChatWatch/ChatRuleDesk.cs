using GmTools.Server.Audit;
using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.ChatWatch;

public sealed record ImportRulesOrder(ChatRulebook Book, string Note, long ExpectedVersion);

public sealed record EditTermOrder(TermRule Term, bool Remove, string Note, long ExpectedVersion);

public sealed record RollBackOrder(long ToVersion, string Note);

/// <summary>
/// Publishes rule versions: import a whole document, edit one term, roll back, or teach the allowlist one phrase.
/// Each is checked whole (a bad document is refused and nothing is written), stored as the next version with its
/// audit record in one transaction under one advisory lock (versions never collide across replicas), then put in
/// force here at once and announced to the other replicas after the commit.
/// </summary>
public sealed class ChatRuleDesk(
    GmToolsDbContext db, AuditWriter audit, RequestContext request, LiveChatRules live, RedisConnection redis, TimeProvider time,
    ILogger<ChatRuleDesk> logger)
{
    public async Task<ChatRuleVersionEntity> ImportAsync(ImportRulesOrder order, CancellationToken ct)
    {
        var compiled = Compile(order.Book, "rules");
        return await PublishAsync(_ => Task.FromResult((order.Book, compiled, (long?)null)), ChatRuleSources.Import, order.Note, order.ExpectedVersion,
            new { terms = order.Book.Rules.Terms.Count, patterns = order.Book.Rules.Patterns.Count, allowlist = order.Book.Rules.Allowlist.Count, policies = order.Book.Policies.Count }, ct);
    }

    public Task<ChatRuleVersionEntity> EditTermAsync(EditTermOrder order, CancellationToken ct) =>
        PublishAsync(current =>
        {
            var terms = current.Rules.Terms.Where(t => !string.Equals(t.Text, order.Term.Text, StringComparison.Ordinal)).ToList();
            if (order.Remove && terms.Count == current.Rules.Terms.Count)
            {
                throw GrpcErrors.NotFound($"term '{order.Term.Text}' is not in the rules in force");
            }
            if (!order.Remove)
            {
                terms.Add(order.Term);
            }
            var book = current with { Rules = current.Rules with { Terms = terms } };
            return Task.FromResult((book, Compile(book, "term"), (long?)null));
        }, ChatRuleSources.Edit, order.Note, order.ExpectedVersion, new { term = order.Term.Text, order.Term.Category, order.Remove }, ct);

    public Task<ChatRuleVersionEntity> RollBackAsync(RollBackOrder order, CancellationToken ct) =>
        PublishAsync(async _ =>
        {
            var earlier = await db.Set<ChatRuleVersionEntity>().AsNoTracking().FirstOrDefaultAsync(v => v.Version == order.ToVersion, ct)
                ?? throw GrpcErrors.NotFound($"rule version {order.ToVersion} not found");
            var book = ChatRulebook.FromJson(earlier.Document);
            return (book, Compile(book, "to_version"), (long?)earlier.Version);
        }, ChatRuleSources.Rollback, order.Note, 0, new { to = order.ToVersion }, ct);

    /// <summary>A dismissed review's phrase joins the allowlist (in the caller's transaction, if one is open).</summary>
    public Task<ChatRuleVersionEntity> TeachAllowlistAsync(string phrase, string note, CancellationToken ct) =>
        PublishAsync(current =>
        {
            if (current.Rules.Allowlist.Contains(phrase, StringComparer.Ordinal))
            {
                return Task.FromResult<(ChatRulebook, RuleSet, long?)>((current, Compile(current, "allow_phrase"), null));
            }
            var book = current with { Rules = current.Rules with { Allowlist = [.. current.Rules.Allowlist, phrase] } };
            return Task.FromResult((book, Compile(book, "allow_phrase"), (long?)null));
        }, ChatRuleSources.Allowlist, note, 0, new { phrase }, ct);

    private RuleSet Compile(ChatRulebook book, string field)
    {
        try
        {
            return ChatRulebookRules.Compile(book, live.ReasonCodes);
        }
        catch (RuleDocumentException e)
        {
            throw ChatValidation.Refused(field, e);
        }
    }

    private async Task<ChatRuleVersionEntity> PublishAsync(
        Func<ChatRulebook, Task<(ChatRulebook Book, RuleSet Compiled, long? BasedOn)>> make, string source, string note, long expected, object change, CancellationToken ct)
    {
        request.Caller.EnsureMayChangeChatRules(source == ChatRuleSources.Allowlist ? "teaching the allowlist" : "changing the chat rules");
        await using var tx = await db.BeginWorkAsync(ct);
        await db.AdvisoryLockAsync("chat-rules", ct);
        var newest = await db.Set<ChatRuleVersionEntity>().AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
        var currentVersion = newest?.Version ?? 0;
        if (expected != 0 && expected != currentVersion)
        {
            throw GrpcErrors.FailedPrecondition($"the rules in force are version {currentVersion}, not {expected}; reload and try again");
        }
        var current = newest is null ? ChatRulebook.Starter() : ChatRulebook.FromJson(newest.Document);
        var (book, compiled, basedOn) = await make(current);
        var entity = new ChatRuleVersionEntity
        {
            Version = currentVersion + 1,
            Document = book.ToJson(),
            Source = source,
            CreatedBy = request.Caller.Id,
            CreatedAt = time.GetUtcNow(),
            Note = note,
            TermCount = book.Rules.Terms.Count,
            BasedOn = basedOn,
        };
        db.Add(entity);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("chat.rules." + source, "chat_rule_version", entity.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            change, Reason: note), ct);
        var rules = new CompiledRules(entity.Version, book, compiled);
        await db.AfterCommitAsync(async () =>
        {
            live.Offer(rules);
            try
            {
                await redis.Subscriber.PublishAsync(redis.Channel(ChatRuleReloader.Channel), entity.Version);
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Announcing chat rules version {Version} failed; replicas pick it up by polling", entity.Version);
            }
        });
        await tx.CommitAsync(ct);
        return entity;
    }
}
