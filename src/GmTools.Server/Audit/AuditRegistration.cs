namespace GmTools.Server.Audit;

public static class AuditRegistration
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddScoped<AuditWriter>();
        services.AddScoped<AuditVerifier>();
        return services;
    }
}
