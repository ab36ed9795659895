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
        return services;
    }

    public static IEndpointRouteBuilder MapAnomalies(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<AnomalyGrpcService>();
        return app;
    }
}
