using GmTools.Server.Infrastructure.Quartz;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

public static class CasesRegistration
{
    public static IServiceCollection AddCases(this IServiceCollection services)
    {
        services.AddOptions<CaseOptions>().BindConfiguration(CaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaseOptions>, CaseOptionsValidation>();
        services.AddScoped<CaseDesk>();
        services.AddScoped<CaseQueries>();
        services.AddScoped<CaseSlaWatch>();
        services.AddRecurringJob<CaseSlaJob>("case-sla-watch", sp => sp.GetRequiredService<IOptions<CaseOptions>>().Value.SlaSweepInterval);
        return services;
    }

    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<CaseGrpcService>();
        return app;
    }
}
