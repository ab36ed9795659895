using GmTools.Server.Demo;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Players.Dossier;
using Microsoft.Extensions.Options;

namespace GmTools.Server.ChatWatch;

public static class ChatWatchRegistration
{
    public static IServiceCollection AddChatWatch(this IServiceCollection services)
    {
        services.AddOptions<ChatWatchOptions>().BindConfiguration(ChatWatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LiveChatRules>();
        services.AddHostedService<ChatRuleReloader>();
        services.AddSingleton<ChatLiveState>();
        services.AddSingleton<ChatLiveFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatLiveFeed>());
        services.AddSingleton<LocalChatWindows>();
        services.AddSingleton<ChatPolicyDesk>();
        services.AddSingleton<ChatIngestStages>();
        services.AddScoped<ChatIngestDesk>();
        services.AddScoped<ChatRuleDesk>();
        services.AddScoped<ChatRuleQueries>();
        services.AddScoped<ChatReviewDesk>();
        services.AddScoped<IDossierSection, ChatDossierSection>();
        services.AddSingleton<ChatFlagPurge>();
        services.AddRecurringJob<ChatFlagPurgeJob>(ChatFlagPurgeJob.Name, sp => sp.GetRequiredService<IOptions<ChatWatchOptions>>().Value.PurgeInterval);
        services.AddDemoSeeder<DemoChatWatch>();
        return services;
    }

    public static IEndpointRouteBuilder MapChatWatch(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ChatWatchGrpcService>();
        return app;
    }
}
