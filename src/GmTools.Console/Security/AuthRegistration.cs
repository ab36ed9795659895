using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace GmTools.Console.Security;

/// <summary>
/// Staff sign in to the console with a cookie that carries their staff token; the token is what the server
/// checks. In development the console mints it; in real deployments the OpenID Connect provider issues it.
/// </summary>
public static partial class AuthRegistration
{
    public const string SignInPath = "/signin";

    public static IServiceCollection AddConsoleAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment env)
    {
        services.AddOptions<ConsoleAuthOptions>().BindConfiguration(ConsoleAuthOptions.Section);
        services.AddOptions<StaffJwtOptions>().BindConfiguration(StaffJwtOptions.Section).ValidateDataAnnotations();
        services.AddSingleton<DevTokenMinter>();
        services.AddScoped<StaffSession>();
        services.AddCascadingAuthenticationState();

        var auth = configuration.GetSection(ConsoleAuthOptions.Section).Get<ConsoleAuthOptions>() ?? new ConsoleAuthOptions();
        var mode = auth.EffectiveMode(env);
        var builder = services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = mode == SignInMode.OpenIdConnect ? OpenIdConnectDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme;
        });
        builder.AddCookie(o =>
        {
            o.Cookie.Name = ".GmTools.Console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = SignInPath;
            o.SlidingExpiration = false;
            // The cookie is worth exactly as much as the token inside it.
            o.Events.OnValidatePrincipal = ctx =>
            {
                var exp = ctx.Principal?.FindFirst(StaffClaims.TokenExpires)?.Value;
                var now = ctx.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                if (exp is null || !long.TryParse(exp, out var unix) || DateTimeOffset.FromUnixTimeSeconds(unix) <= now)
                {
                    ctx.RejectPrincipal();
                    return ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }
                return Task.CompletedTask;
            };
        });
        if (mode == SignInMode.OpenIdConnect)
        {
            builder.AddOpenIdConnect(o =>
            {
                if (string.IsNullOrEmpty(auth.Oidc.Authority) || string.IsNullOrEmpty(auth.Oidc.ClientId))
                {
                    throw new InvalidOperationException($"{ConsoleAuthOptions.Section}:Oidc:Authority and ClientId are required when sign-in is OpenIdConnect");
                }
                o.Authority = auth.Oidc.Authority;
                o.ClientId = auth.Oidc.ClientId;
                o.ClientSecret = auth.Oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SaveTokens = false;
                o.MapInboundClaims = false;
                o.Scope.Clear();
                foreach (var scope in auth.Oidc.Scopes)
                {
                    o.Scope.Add(scope);
                }
                o.TokenValidationParameters.NameClaimType = StaffClaims.Subject;
                o.TokenValidationParameters.RoleClaimType = StaffClaims.Role;
                o.Events.OnTokenValidated = ctx =>
                {
                    var token = string.Equals(auth.Oidc.TokenToUse, "id_token", StringComparison.OrdinalIgnoreCase)
                        ? ctx.TokenEndpointResponse?.IdToken
                        : ctx.TokenEndpointResponse?.AccessToken;
                    if (string.IsNullOrEmpty(token) || ctx.Principal?.Identity is not ClaimsIdentity identity)
                    {
                        ctx.Fail("the identity provider returned no staff token");
                        return Task.CompletedTask;
                    }
                    var jwt = new JsonWebToken(token);
                    identity.AddClaim(new Claim(StaffClaims.Token, token));
                    identity.AddClaim(new Claim(StaffClaims.TokenExpires, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    return Task.CompletedTask;
                };
            });
        }
        services.AddAuthorization();
        return services;
    }

    public static void MapConsoleAuthEndpoints(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<IOptions<ConsoleAuthOptions>>().Value.EffectiveMode(app.Environment);
        if (mode == SignInMode.Development)
        {
            app.MapPost("/auth/dev-signin", DevSignInAsync);
        }
        else
        {
            app.MapGet("/auth/oidc-signin", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOrRoot(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]));
        }
        app.MapPost("/auth/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(SignInPath);
        }).WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());
    }

    private static async Task<IResult> DevSignInAsync(HttpContext http, DevTokenMinter minter, [FromForm] string? user, [FromForm] string? roles, [FromForm] string? scope, [FromForm] string? returnUrl)
    {
        user = user?.Trim() ?? "";
        var roleList = Split(roles);
        var scopeList = Split(scope);
        if (!UserName().IsMatch(user) || roleList.Length == 0 || roleList.Any(r => !DemoAccounts.StaffRoles.Contains(r, StringComparer.Ordinal))
            || scopeList.Any(s => !GameServerId().IsMatch(s)))
        {
            return Results.LocalRedirect($"{SignInPath}?error=invalid");
        }
        var (token, expires) = minter.Mint(user, roleList, scopeList);
        var claims = new List<Claim>
        {
            new(StaffClaims.Subject, user),
            new(StaffClaims.Token, token),
            new(StaffClaims.TokenExpires, expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange(roleList.Select(r => new Claim(StaffClaims.Role, r)));
        claims.AddRange(scopeList.Select(s => new Claim(StaffClaims.GameServerScope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "dev", StaffClaims.Subject, StaffClaims.Role));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { ExpiresUtc = expires });
        return Results.LocalRedirect(LocalOrRoot(returnUrl));
    }

    private static string[] Split(string? value) =>
        (value ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Only local paths: a sign-in link must never bounce a staff member to another site.</summary>
    public static string LocalOrRoot(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,128}$")]
    private static partial Regex UserName();

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    private static partial Regex GameServerId();
}
