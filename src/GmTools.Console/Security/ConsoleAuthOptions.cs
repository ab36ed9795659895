using System.ComponentModel.DataAnnotations;

namespace GmTools.Console.Security;

public enum SignInMode
{
    /// <summary>Development: the console mints staff tokens itself with the shared GmTools:Jwt signing key.</summary>
    Development,

    /// <summary>Real deployments: the company's OpenID Connect provider signs staff in; its token is sent to the server.</summary>
    OpenIdConnect,
}

/// <summary>Section "GmTools:Console:Auth".</summary>
public sealed class ConsoleAuthOptions
{
    public const string Section = "GmTools:Console:Auth";

    /// <summary>Unset: Development in the Development environment, OpenIdConnect everywhere else.</summary>
    public SignInMode? Mode { get; set; }

    public OidcOptions Oidc { get; set; } = new();

    public SignInMode EffectiveMode(IHostEnvironment env) => Mode ?? (env.IsDevelopment() ? SignInMode.Development : SignInMode.OpenIdConnect);
}

public sealed class OidcOptions
{
    public string Authority { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string ClientSecret { get; set; } = "";
    public List<string> Scopes { get; set; } = ["openid", "profile"];

    /// <summary>
    /// Which of the provider's tokens the server accepts as the staff token: "access_token" (default) or
    /// "id_token". Either must carry the same claims as the development signer's (sub, role, gs).
    /// </summary>
    public string TokenToUse { get; set; } = "access_token";
}

/// <summary>Section "GmTools:Jwt": the same keys the server reads, so one setting configures both.</summary>
public sealed class StaffJwtOptions
{
    public const string Section = "GmTools:Jwt";

    [Required]
    public string Issuer { get; set; } = "gmtools";

    [Required]
    public string Audience { get; set; } = "gmtools";

    /// <summary>Needed only for development sign-in.</summary>
    public string SigningKey { get; set; } = "";

    public TimeSpan DevTokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
