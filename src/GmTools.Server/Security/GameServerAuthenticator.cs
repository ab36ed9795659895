using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using GmTools.Server.GameServers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections.Features;

namespace GmTools.Server.Security;

/// <summary>
/// Authenticates "authorization: GameServer id.secret". Before anything costs a lookup: a source that failed too often
/// lately is refused (<see cref="FailedAuthentications"/>), and an id that is not the shape of a game-server id is
/// refused outright. Stored hashes are cached in process for a short time (<see cref="GameServerCredentialCache"/>);
/// a rotated credential stops working everywhere within <see cref="GameServerAuthOptions.CacheTtl"/>, at once on the
/// replica that rotated it.
/// <para><b>Once per connection.</b> A game server holds one HTTP/2 connection and sends the same credential on every
/// login and chat check, so the identity verified on a connection is kept with it and reused for a later call only
/// while that call carries the very same credential (compared in constant time), the stored hash it was checked
/// against is still fresh, and no credential was rotated on this replica since (<see cref="GameServerCredentialCache.Revision"/>).
/// A rotated or revoked credential is therefore refused on an open connection exactly when it would be on a new one;
/// what is saved is the parse, the SHA-256, the cache lookup and the principal a call. The failure limit is still
/// asked on every call, so a throttled source is refused on its old connections too.</para>
/// </summary>
public sealed class GameServerAuthenticator(GameServerCredentialCache cache, FailedAuthentications failures)
{
    /// <summary>Set on the HttpContext when the source was throttled, so the gate answers RESOURCE_EXHAUSTED rather than UNAUTHENTICATED.</summary>
    public const string ThrottledItem = "gmtools.auth-throttled";

    private static readonly string Prefix = GameServerCredential.Scheme + " ";

    // Keyed by the connection's own feature object, so an entry lives exactly as long as the connection; thread-safe
    // (the streams of one HTTP/2 connection run concurrently), unlike the connection's Items dictionary.
    private readonly ConditionalWeakTable<object, ConnectionIdentity> _connections = new();
    private long _verifications;

    /// <summary>Credentials checked against a stored hash so far; a call answered from its connection's identity is not one.</summary>
    public long Verifications => Interlocked.Read(ref _verifications);

    /// <summary>Whether the request carries a game-server credential (rather than a staff token or nothing).</summary>
    public static bool Carries(HttpRequest request) => request.Headers.Authorization.ToString().StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The caller's principal, or why it was refused. Completes synchronously when the connection's identity still holds.</summary>
    public async ValueTask<(ClaimsPrincipal? Principal, string? Failure)> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var connection = ConnectionOf(context);
        var source = connection?.Source ?? SourceOf(context);
        if (failures.IsThrottled(source))
        {
            context.Items[ThrottledItem] = true;
            return (null, "too many failed game-server authentications from this source");
        }
        if (connection?.Verified is { } known && known.Holds(header) && known.Revision == cache.Revision && cache.IsFresh(known.FetchedAt))
        {
            return (known.Principal, null);
        }
        if (!GameServerCredential.TryParse(header[Prefix.Length..].Trim(), out var id, out var secret)
            || !GameServerIds.IsValid(id) || secret.Length > GameServerCredential.MaxSecretLength)
        {
            failures.Record(source);
            return (null, "malformed game-server credential");
        }
        Interlocked.Increment(ref _verifications);
        // Read before the lookup: a rotation while it runs leaves this identity one revision behind, so it is checked again.
        var revision = cache.Revision;
        var stored = await cache.LookupAsync(id, context.RequestAborted);
        if (stored.Hash is null || !GameServerCredential.Matches(secret, stored.Hash))
        {
            failures.Record(source);
            return (null, "unknown game server or wrong credential");
        }
        var principal = new CallerPrincipal(Caller.ForGameServer(id),
            new ClaimsIdentity([new Claim(Caller.GameServerIdClaim, id)], GameServerCredential.Scheme));
        if (connection is not null)
        {
            connection.Verified = new VerifiedCredential(header, principal, stored.FetchedAt, revision);
        }
        return (principal, null);
    }

    private ConnectionIdentity? ConnectionOf(HttpContext context)
    {
        // Kestrel's connection (TestServer has none: every call is then verified, as before connections were remembered).
        if (context.Features.Get<IConnectionItemsFeature>() is not { } key)
        {
            return null;
        }
        if (_connections.TryGetValue(key, out var known))
        {
            return known;
        }
        var created = new ConnectionIdentity(SourceOf(context));
        return _connections.GetValue(key, _ => created);
    }

    private static string SourceOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>What one connection has shown: its source, and the last credential verified on it.</summary>
    private sealed class ConnectionIdentity(string source)
    {
        public string Source { get; } = source;

        /// <summary>Replaced whole (never changed in place), so a concurrent stream reads an old or a new one, never a mix.</summary>
        public volatile VerifiedCredential? Verified;
    }

    private sealed record VerifiedCredential(string Header, ClaimsPrincipal Principal, DateTimeOffset FetchedAt, long Revision)
    {
        public bool Holds(string header) => ReferenceEquals(header, Header)
            || (header.Length == Header.Length && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(header.AsSpan()), MemoryMarshal.AsBytes(Header.AsSpan())));
    }
}

/// <summary>A principal that carries the <see cref="Caller"/> it was made for, so the gate does not rebuild it from claims on every call.</summary>
public sealed class CallerPrincipal(Caller caller, ClaimsIdentity identity) : ClaimsPrincipal(identity)
{
    public Caller Caller { get; } = caller;
}

/// <summary>
/// Authentication for every request: a game-server credential through <see cref="GameServerAuthenticator"/> (once per
/// connection, without ASP.NET's per-request handler, ticket and principal), anything else — a staff token, or no
/// credential — through ASP.NET's authentication middleware as before.
/// </summary>
public sealed class CallerAuthenticationMiddleware(RequestDelegate next, IAuthenticationSchemeProvider schemes, GameServerAuthenticator gameServers)
{
    private readonly AuthenticationMiddleware _staff = new(next, schemes);

    public Task InvokeAsync(HttpContext context) =>
        GameServerAuthenticator.Carries(context.Request) ? GameServerAsync(context) : _staff.Invoke(context);

    private async Task GameServerAsync(HttpContext context)
    {
        var (principal, _) = await gameServers.AuthenticateAsync(context);
        if (principal is not null)
        {
            context.User = principal;
        }
        await next(context);
    }
}
