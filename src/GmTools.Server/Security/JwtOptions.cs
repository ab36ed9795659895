using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace GmTools.Server.Security;

/// <summary>Staff tokens: HMAC-SHA256 JWTs from the configured issuer. Section "GmTools:Jwt".</summary>
public sealed class JwtOptions
{
    public const string Section = "GmTools:Jwt";

    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "";

    /// <summary>At least 32 characters; the development signer mints with the same key.</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = "";

    public TimeSpan DevTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    public SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(SigningKey));
}
