using GmTools.Server.Demo;
using GmTools.Server.GameLink;
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
        // A grant's delivery state and its revoke read its mail and claw-back rows (grants are a few players each);
        // campaigns keep their own record (campaign_progress, campaign_recipients.settled_outcome) and are purged.
        services.KeepOutboxHistory(GrantDelivery.CorrelationPattern, "grant delivery states and revokes");
        services.AddSingleton<CampaignExpansionCounter>();
        services.AddSingleton<CampaignPreviewGate>();
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
