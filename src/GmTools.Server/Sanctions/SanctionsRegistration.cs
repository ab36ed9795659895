using GmTools.Server.Demo;
using GmTools.Server.Players.Dossier;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Sanctions;

public static class SanctionsRegistration
{
    public static IServiceCollection AddSanctions(this IServiceCollection services)
    {
        services.AddOptions<SanctionOptions>().BindConfiguration(SanctionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SanctionOptions>, SanctionOptionsValidation>();
        services.AddSingleton<ActiveSanctionSet>();
        services.AddHostedService<ActiveSanctionSetKeeper>();
        services.AddSingleton<SanctionAccessCache>();
        services.AddHostedService<SanctionCacheSubscriber>();
        services.AddScoped<SanctionCommands>();
        services.AddScoped<SanctionGuardRail>();
        services.AddScoped<OffenseLadder>();
        services.AddScoped<SanctionDesk>();
        services.AddScoped<SanctionQueries>();
        services.AddScoped<IDossierSection, SanctionsDossierSection>();
        services.AddScoped<AppealDesk>();
        services.AddScoped<BulkSanctions>();
        services.AddDemoSeeder<DemoSanctions>();
        return services;
    }

    public static IEndpointRouteBuilder MapSanctions(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<SanctionGrpcService>();
        return app;
    }
}
