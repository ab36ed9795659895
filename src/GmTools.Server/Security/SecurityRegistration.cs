using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GmTools.Server.Security;

public static class SecurityRegistration
{
    private const string Selector = "StaffOrGameServer";

    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StaffTokenIssuer>();
        services.AddOptions<GameServerAuthOptions>().BindConfiguration(GameServerAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GameServerCredentialCache>();
        services.AddSingleton<FailedAuthentications>();
        services.AddSingleton<GameServerAuthenticator>();
        services.AddSingleton<CallerRateLimiter>();
        services.AddSingleton<AccessDenials>();
        services.AddScoped<RequestContext>();

        // One default scheme that picks by the authorization header, so both kinds of caller reach the same RPCs.
        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, Selector, o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith(GameServerCredential.Scheme + " ", StringComparison.Ordinal)
                    ? GameServerCredential.Scheme
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, GameServerAuthenticationHandler>(GameServerCredential.Scheme, _ => { })
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, TimeProvider>((bearer, jwt, time) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TimeProvider = time;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = jwt.Value.Key(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    // Lifetimes are judged by the service's clock so that tests can move it.
                    LifetimeValidator = (notBefore, expires, _, p) =>
                    {
                        var now = time.GetUtcNow().UtcDateTime;
                        var skew = p.ClockSkew;
                        return (notBefore is null || notBefore.Value - skew <= now) && expires is not null && now < expires.Value + skew;
                    },
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        return services;
    }

    /// <summary>In place of UseAuthentication(): game servers once per connection, staff tokens as ASP.NET does (<see cref="CallerAuthenticationMiddleware"/>).</summary>
    public static IApplicationBuilder UseCallerAuthentication(this IApplicationBuilder app)
    {
        // The key UseAuthentication() sets: without it WebApplication adds ASP.NET's own authentication middleware in
        // front of the pipeline, and every game-server call would be authenticated twice.
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app.UseMiddleware<CallerAuthenticationMiddleware>();
    }

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
}
