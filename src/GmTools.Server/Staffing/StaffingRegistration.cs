namespace GmTools.Server.Staffing;

public static class StaffingRegistration
{
    public static IServiceCollection AddStaffing(this IServiceCollection services)
    {
        services.AddOptions<StaffingOptions>().BindConfiguration(StaffingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<StaffRoster>();
        return services;
    }

    public static IEndpointRouteBuilder MapStaffing(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<StaffingGrpcService>();
        return app;
    }
}
