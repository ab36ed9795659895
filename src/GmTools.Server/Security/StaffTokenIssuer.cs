using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GmTools.Server.Security;

/// <summary>
/// The development signer: mints staff tokens with the configured key, for local use, the demo seed and
/// tests. Production tokens come from the company's identity provider with the same claims.
/// </summary>
public sealed class StaffTokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    public string Issue(string user, IEnumerable<Role> roles, IEnumerable<string>? gameServerScope = null, TimeSpan? lifetime = null)
    {
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new("sub", user) };
        claims.AddRange(roles.Select(r => new Claim("role", r.ToString())));
        claims.AddRange((gameServerScope ?? []).Select(s => new Claim(Caller.ServerScopeClaim, s)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = o.Issuer,
            Audience = o.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? o.DevTokenLifetime),
            SigningCredentials = new SigningCredentials(o.Key(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
