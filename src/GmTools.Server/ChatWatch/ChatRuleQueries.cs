using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.ChatWatch;

/// <summary>Reads of rule versions, and the compiled rules a dry run scores with (nothing written).</summary>
public sealed class ChatRuleQueries(GmToolsDbContext db, LiveChatRules live)
{
    public async Task<(Contracts.V1.ChatRuleVersion Version, ChatRulebook Book)> GetAsync(long version, CancellationToken ct)
    {
        var current = live.Current;
        if (version == 0 && current.Version == 0)
        {
            return (new Contracts.V1.ChatRuleVersion { Version = 0, Source = ChatRuleSources.Starter, TermCount = current.Book.Rules.Terms.Count }, current.Book);
        }
        var entity = await db.Set<ChatRuleVersionEntity>().AsNoTracking()
            .Where(v => version == 0 || v.Version == version)
            .OrderByDescending(v => v.Version)
            .FirstOrDefaultAsync(ct) ?? throw GrpcErrors.NotFound($"rule version {version} not found");
        return (ChatContracts.ToContract(entity), ChatRulebook.FromJson(entity.Document));
    }

    public Task<List<ChatRuleVersionEntity>> ListAsync(long? before, int take, CancellationToken ct) =>
        db.Set<ChatRuleVersionEntity>().AsNoTracking()
            .Where(v => before == null || v.Version < before)
            .OrderByDescending(v => v.Version)
            .Take(take)
            .ToListAsync(ct);

    /// <summary>The version in force (0) comes compiled from memory; an earlier one is compiled for this call.</summary>
    public async Task<(long Version, RuleSet Rules)> CompiledAsync(long version, CancellationToken ct)
    {
        var current = live.Current;
        if (version == 0 || version == current.Version)
        {
            return (current.Version, current.RuleSet);
        }
        var (v, book) = await GetAsync(version, ct);
        return (v.Version, RuleSet.CompileAccepted(book.Rules));
    }

    public RuleSet CompileProposed(ChatRulebook book)
    {
        try
        {
            return ChatRulebookRules.Compile(book, live.ReasonCodes);
        }
        catch (RuleDocumentException e)
        {
            throw ChatValidation.Refused("proposed", e);
        }
    }

}
