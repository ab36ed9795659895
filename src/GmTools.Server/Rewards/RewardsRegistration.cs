using GmTools.Server.Demo;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Players.Dossier;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Rewards;

public static class RewardsRegistration
{
    public static IServiceCollection AddRewards(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RewardOptions>().BindConfiguration(RewardOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Catalogue>();
        services.AddScoped<GrantDesk>();
        services.AddScoped<CampaignDesk>();
        services.AddScoped<CampaignExpander>();
        services.AddScoped<CampaignCanceller>();
        services.AddRecurringJob<CampaignCancelJob>(CampaignCancelJob.Name, sp => sp.GetRequiredService<IOptions<RewardOptions>>().Value.Campaigns.RetryInterval);
        services.AddScoped<IDossierSection, GrantsDossierSection>();
        services.AddSingleton<CampaignExpansionCounter>();
        services.AddDemoSeeder<DemoRewards>();
        // Quartz builds CampaignExpansionJob through DI, one scope per run; one job per campaign is scheduled at approval.
        return services;
    }

    public static IEndpointRouteBuilder MapRewards(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<RewardGrpcService>();
        return app;
    }
}
