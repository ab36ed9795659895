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
        return services;
    }

    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<CaseGrpcService>();
        return app;
    }
}
