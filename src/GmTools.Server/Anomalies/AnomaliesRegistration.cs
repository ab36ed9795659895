using GmTools.Server.Demo;
using GmTools.Server.Players.Dossier;

namespace GmTools.Server.Anomalies;

public static class AnomaliesRegistration
{
    public static IServiceCollection AddAnomalies(this IServiceCollection services)
    {
        services.AddOptions<AnomalyOptions>().BindConfiguration(AnomalyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AnomalyKindBook>();
        services.AddScoped<AnomalyIntakeDesk>();
        services.AddScoped<AnomalyKindDesk>();
        services.AddScoped<AnomalyKindQueries>();
        services.AddSingleton<AnomalyCounters>();
        services.AddSingleton<AnomalyPolicyDesk>();
        services.AddScoped<AnomalyCaseDesk>();
        services.AddScoped<AnomalyCaseQueries>();
        services.AddScoped<IDossierSection, AnomalyDossierSection>();
        services.AddDemoSeeder<DemoAnomalies>();
        return services;
    }

    public static IEndpointRouteBuilder MapAnomalies(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<AnomalyGrpcService>();
        return app;
    }
}
