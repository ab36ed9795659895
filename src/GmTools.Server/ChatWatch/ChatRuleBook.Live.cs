using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Persistence;
using GmTools.Server.Sanctions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// The rules this replica scores with: the newest published version, compiled once. A publish on any replica
/// announces its version on Redis pub/sub and every replica loads it at once; a poll of the newest version number
/// (every <see cref="ChatWatchOptions.RulePollInterval"/>) is the safety net for a lost message or a Redis outage.
/// Until anything is published the starter rules (version 0) are in force.
/// </summary>
public sealed class LiveChatRules(IServiceScopeFactory scopes, IOptionsMonitor<SanctionOptions> sanctions, ILogger<LiveChatRules> logger) : IDisposable
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile CompiledRules _current = StarterRules;

    private static readonly CompiledRules StarterRules = new(0, ChatRulebook.Starter(), Engine.RuleSet.CompileAccepted(ChatRulebook.Starter().Rules));

    public CompiledRules Current => _current;

    public void Dispose() => _loading.Dispose();

    public IReadOnlyCollection<string> ReasonCodes => [.. sanctions.CurrentValue.EffectiveReasonCodes];

    /// <summary>Takes a version this replica has just published (already compiled) without reading it back.</summary>
    public void Offer(CompiledRules rules)
    {
        if (rules.Version > _current.Version)
        {
            _current = rules;
        }
    }

    /// <summary>Loads the newest version if it is newer than the one in force; true when the rules changed.</summary>
    public async Task<bool> RefreshAsync(long? announced, CancellationToken ct)
    {
        if (announced is { } a && a <= _current.Version)
        {
            return false;
        }
        await _loading.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
            var newest = await db.Set<ChatRuleVersionEntity>().AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
            if (newest is null || newest.Version <= _current.Version)
            {
                return false;
            }
            var book = ChatRulebook.FromJson(newest.Document);
            // Published versions were checked at publish time; reason codes may have changed since, which only policies read.
            _current = new CompiledRules(newest.Version, book, Engine.RuleSet.CompileAccepted(book.Rules));
            logger.LogInformation("Chat rules version {Version} in force ({Terms} terms)", newest.Version, newest.TermCount);
            return true;
        }
        finally
        {
            _loading.Release();
        }
    }
}

/// <summary>Keeps <see cref="LiveChatRules"/> current: pub/sub for speed, a version poll as the safety net.</summary>
internal sealed class ChatRuleReloader(RedisConnection redis, LiveChatRules rules, IOptionsMonitor<ChatWatchOptions> options, ILogger<ChatRuleReloader> logger)
    : BackgroundService
{
    public const string Channel = "cw:rules";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var queue = await redis.Subscriber.SubscribeAsync(redis.Channel(Channel));
            queue.OnMessage(async m =>
            {
                try
                {
                    await rules.RefreshAsync((long)m.Message, stoppingToken);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or ObjectDisposedException))
                {
                    logger.LogWarning(ex, "Loading announced chat rules failed; the poll will retry");
                }
            });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Chat rules: no pub/sub, relying on the version poll");
        }
        // Real time on purpose: this paces a network check, not business time.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await rules.RefreshAsync(null, stoppingToken);
                await Task.Delay(options.CurrentValue.RulePollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Chat rules version poll failed");
                try
                {
                    await Task.Delay(options.CurrentValue.RulePollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
