using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GmTools.Console.Security;

/// <summary>
/// Development sign-in: mints the staff token the server's development signer would mint (same issuer,
/// audience, key and claims), so a local console works without an identity provider.
/// </summary>
public sealed class DevTokenMinter(IOptions<StaffJwtOptions> options, TimeProvider time)
{
    public (string Token, DateTimeOffset ExpiresAt) Mint(string user, IEnumerable<string> roles, IEnumerable<string> gameServerScope)
    {
        var o = options.Value;
        if (o.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("GmTools:Jwt:SigningKey (at least 32 characters, the server's key) is required for development sign-in");
        }
        var now = time.GetUtcNow();
        var expires = now + o.DevTokenLifetime;
        var claims = new List<Claim> { new(StaffClaims.Subject, user) };
        claims.AddRange(roles.Select(r => new Claim(StaffClaims.Role, r)));
        claims.AddRange(gameServerScope.Select(s => new Claim(StaffClaims.GameServerScope, s)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = o.Issuer,
            Audience = o.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(o.SigningKey)), SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor), expires);
    }
}

/// <summary>Claim names shared with the server's tokens, plus the console's own cookie claim for the token.</summary>
public static class StaffClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string GameServerScope = "gs";

    /// <summary>The staff token itself, kept in the (encrypted) sign-in cookie and sent on every call.</summary>
    public const string Token = "gm_token";
    public const string TokenExpires = "gm_token_exp";
}
