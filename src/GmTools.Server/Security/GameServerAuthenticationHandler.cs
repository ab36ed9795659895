using System.Text.Encodings.Web;
using GmTools.Server.GameServers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Security;

/// <summary>
/// The "GameServer" authentication scheme, for whatever asks ASP.NET authentication for it. Requests that carry a
/// game-server credential do not come through here on the hot path: <see cref="CallerAuthenticationMiddleware"/>
/// authenticates them (once per connection) before the staff-token middleware would run. Both use
/// <see cref="GameServerAuthenticator"/>, so the checks are the same.
/// </summary>
public sealed class GameServerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GameServerAuthenticator authenticator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Set on the HttpContext when the source was throttled, so the gate answers RESOURCE_EXHAUSTED rather than UNAUTHENTICATED.</summary>
    public const string ThrottledItem = GameServerAuthenticator.ThrottledItem;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!GameServerAuthenticator.Carries(Request))
        {
            return AuthenticateResult.NoResult();
        }
        var (principal, failure) = await authenticator.AuthenticateAsync(Context);
        return principal is not null
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, GameServerCredential.Scheme))
            : AuthenticateResult.Fail(failure!);
    }
}

/// <summary>Section "GmTools:GameServerAuth": the credential cache's bounds and the failed-authentication limit.</summary>
public sealed class GameServerAuthOptions
{
    public const string Section = "GmTools:GameServerAuth";

    /// <summary>How long a stored hash (or "no such server") is trusted: also how long a rotated credential keeps working.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most ids cached at once (known and unknown alike); beyond it the oldest-used are dropped.</summary>
    [System.ComponentModel.DataAnnotations.Range(16, 1_000_000)]
    public int CacheEntries { get; set; } = 10_000;

    /// <summary>Failed authentications one source may have within a minute before it is refused without a lookup.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int FailuresPerMinutePerSource { get; set; } = 30;

    /// <summary>Most sources whose failures are counted at once (a flood of sources cannot grow memory beyond it).</summary>
    [System.ComponentModel.DataAnnotations.Range(16, 1_000_000)]
    public int TrackedSources { get; set; } = 10_000;
}

/// <summary>
/// The hashes of game-server credentials, by id, in a size-bounded <see cref="MemoryCache"/>. Age is judged by
/// <see cref="TimeProvider"/> (tests move it); the cache's own expiry is only a backstop for memory.
/// </summary>
public sealed class GameServerCredentialCache : IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<GameServerAuthOptions> _options;
    private readonly MemoryCache _entries;

    public GameServerCredentialCache(IServiceScopeFactory scopes, TimeProvider time, IOptionsMonitor<GameServerAuthOptions> options)
    {
        _scopes = scopes;
        _time = time;
        _options = options;
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.CurrentValue.CacheEntries, CompactionPercentage = 0.25 });
    }

    private long _revision;

    /// <summary>Entries held now (for tests and diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Moves on whenever an entry is forgotten (a credential rotated on this replica): an identity verified against an
    /// older revision is verified again (<see cref="GameServerAuthenticator"/>'s per-connection identities).
    /// </summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Whether what was fetched at <paramref name="fetchedAt"/> may still be trusted.</summary>
    public bool IsFresh(DateTimeOffset fetchedAt) => _time.GetUtcNow() - fetchedAt < _options.CurrentValue.CacheTtl;

    public async Task<byte[]?> GetSecretHashAsync(string gameServerId, CancellationToken ct) => (await LookupAsync(gameServerId, ct)).Hash;

    /// <summary>The stored hash (null: no such game server) and when it was read from PostgreSQL.</summary>
    public async Task<StoredCredential> LookupAsync(string gameServerId, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var ttl = _options.CurrentValue.CacheTtl;
        if (_entries.TryGetValue(gameServerId, out StoredCredential? entry) && entry is not null && now - entry.FetchedAt < ttl)
        {
            return entry;
        }
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Persistence.GmToolsDbContext>();
        var hash = await db.Set<GameServerEntity>().AsNoTracking()
            .Where(g => g.GameServerId == gameServerId)
            .Select(g => g.CredentialHash)
            .FirstOrDefaultAsync(ct);
        var fetched = new StoredCredential(hash, now);
        _entries.Set(gameServerId, fetched, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = ttl * 2 });
        return fetched;
    }

    public void Forget(string gameServerId)
    {
        _entries.Remove(gameServerId);
        Interlocked.Increment(ref _revision);
    }

    public void Dispose() => _entries.Dispose();
}

/// <summary>A game server's stored credential hash (null: no such game server) and when it was read.</summary>
public sealed record StoredCredential(byte[]? Hash, DateTimeOffset FetchedAt);

/// <summary>
/// Failed game-server authentications per source (remote address) in fixed one-minute windows of
/// <see cref="TimeProvider"/>; a source over the limit is refused before any lookup until its window ends. Per
/// replica and size-bounded, like the call rate limit: a guard against floods, not an account lockout.
/// </summary>
public sealed class FailedAuthentications : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<GameServerAuthOptions> _options;
    private readonly MemoryCache _sources;

    public FailedAuthentications(TimeProvider time, IOptionsMonitor<GameServerAuthOptions> options)
    {
        _time = time;
        _options = options;
        _sources = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.CurrentValue.TrackedSources, CompactionPercentage = 0.25 });
    }

    private sealed class Count
    {
        public long WindowStartTicks;
        public int Failures;
    }

    public bool IsThrottled(string source)
    {
        if (!_sources.TryGetValue(source, out Count? count) || count is null)
        {
            return false;
        }
        lock (count)
        {
            return CurrentWindow(count) && count.Failures >= _options.CurrentValue.FailuresPerMinutePerSource;
        }
    }

    public void Record(string source)
    {
        var count = _sources.GetOrCreate(source, e =>
        {
            e.Size = 1;
            e.SlidingExpiration = Window * 2;
            return new Count { WindowStartTicks = _time.GetUtcNow().UtcTicks };
        })!;
        lock (count)
        {
            if (!CurrentWindow(count))
            {
                count.WindowStartTicks = _time.GetUtcNow().UtcTicks;
                count.Failures = 0;
            }
            count.Failures++;
        }
    }

    private bool CurrentWindow(Count count) => _time.GetUtcNow().UtcTicks - count.WindowStartTicks < Window.Ticks;

    public void Dispose() => _sources.Dispose();
}
