using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using GmTools.Server.GameServers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Security;

/// <summary>
/// Authenticates "authorization: GameServer id.secret". Stored hashes are cached in process for a short
/// time because game servers call the gate on every login and chat line; a rotated credential stops
/// working everywhere within <see cref="GameServerCredentialCache.Ttl"/>.
/// </summary>
public sealed class GameServerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GameServerCredentialCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(GameServerCredential.Scheme + " ", StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        if (!GameServerCredential.TryParse(header[(GameServerCredential.Scheme.Length + 1)..].Trim(), out var id, out var secret))
        {
            return AuthenticateResult.Fail("malformed game-server credential");
        }
        var hash = await cache.GetSecretHashAsync(id, Context.RequestAborted);
        if (hash is null || !GameServerCredential.Matches(secret, hash))
        {
            return AuthenticateResult.Fail("unknown game server or wrong credential");
        }
        var identity = new ClaimsIdentity([new Claim(Caller.GameServerIdClaim, id)], GameServerCredential.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), GameServerCredential.Scheme));
    }
}

public sealed class GameServerCredentialCache(IServiceScopeFactory scopes, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (byte[]? Hash, DateTimeOffset FetchedAt)> _entries = new(StringComparer.Ordinal);

    public async Task<byte[]?> GetSecretHashAsync(string gameServerId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(gameServerId, out var entry) && now - entry.FetchedAt < Ttl)
        {
            return entry.Hash;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Persistence.GmToolsDbContext>();
        var hash = await db.Set<GameServerEntity>().AsNoTracking()
            .Where(g => g.GameServerId == gameServerId)
            .Select(g => g.CredentialHash)
            .FirstOrDefaultAsync(ct);
        _entries[gameServerId] = (hash, now);
        return hash;
    }

    public void Forget(string gameServerId) => _entries.TryRemove(gameServerId, out _);
}
