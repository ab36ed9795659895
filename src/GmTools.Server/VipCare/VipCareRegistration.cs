using GmTools.Server.Demo;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Players;
using GmTools.Server.Players.Dossier;
using Microsoft.Extensions.Options;

namespace GmTools.Server.VipCare;

public static class VipCareRegistration
{
    public static IServiceCollection AddVipCare(this IServiceCollection services)
    {
        services.AddOptions<VipCareOptions>().BindConfiguration(VipCareOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<VipCareOptions>, VipCareOptionsValidation>();
        services.AddScoped<VipTiers>();
        services.AddScoped<VisitPlans>();
        services.AddScoped<VisitAssignment>();
        services.AddScoped<VisitPlanner>();
        services.AddScoped<VisitDesk>();
        services.AddScoped<VisitRuleDesk>();
        services.AddScoped<VisitQueries>();
        services.AddScoped<IDossierSection, VipCareDossierSection>();
        services.AddDemoSeeder<DemoVipCare>();
        services.AddSingleton<IRechargeWatcher, VipRechargeWatch>();
        services.AddSingleton<VisitFollowUpTrigger>();
        services.AddSingleton<IPlayerFollowUps>(sp => sp.GetRequiredService<VisitFollowUpTrigger>());
        services.AddRecurringJob<VisitPlanningJob>("vip-visit-planning", sp => sp.GetRequiredService<IOptions<VipCareOptions>>().Value.PlanningInterval);
        return services;
    }

    public static IEndpointRouteBuilder MapVipCare(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<VipCareGrpcService>();
        return app;
    }
}
