using GmTools.Server.Security;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Audit;

public static class AuditRegistration
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.SigningKey.Length is 0 or >= 32, "GmTools:Audit:SigningKey must be empty or at least 32 characters")
            .Validate(o => o.SweepInterval > TimeSpan.Zero && o.CheckpointInterval > TimeSpan.Zero, "GmTools:Audit intervals must be positive")
            .ValidateOnStart();
        services.AddSingleton(sp => AuditKey.From(
            sp.GetRequiredService<IOptions<AuditOptions>>().Value.SigningKey,
            sp.GetRequiredService<IOptions<JwtOptions>>().Value.SigningKey));
        services.AddSingleton<AuditChainer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditChainer>());
        services.AddScoped<AuditWriter>();
        services.AddScoped<AuditVerifier>();
        return services;
    }
}
