using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Infrastructure.Shutdown;
using GmTools.Server.Persistence;

using Microsoft.Extensions.Options;

namespace GmTools.Server.GameLink;

public static class GameLinkRegistration
{
    public static IServiceCollection AddGameLink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GameLinkOptions>().BindConfiguration(GameLinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GameLinkOptions>, GameLinkOptionsValidation>();
        services.AddSingleton<CommandOutbox>();
        services.AddSingleton<CommandWithdrawals>();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxPurge>();
        services.AddRecurringJob<OutboxPurgeJob>(OutboxPurgeJob.Name, sp => sp.GetRequiredService<IOptions<OutboxOptions>>().Value.PurgeInterval);
        services.AddSingleton(_ => DeliveryDatabase.Create(PersistenceRegistration.RequiredConnectionString(configuration, PersistenceRegistration.ConnectionStringName)));
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<GameLinkHub>();
        services.AddHostedService(sp => sp.GetRequiredService<GameLinkHub>());
        services.AddSingleton<IReplicaDrainer>(sp => sp.GetRequiredService<GameLinkHub>());
        services.AddSingleton<OutboxCommitInterceptor>();
        // Every GmToolsDbContext gets the interceptor, so whoever enqueues a command gets its notification.
        services.ConfigureDbContext<GmToolsDbContext>((sp, o) => o.AddInterceptors(sp.GetRequiredService<OutboxCommitInterceptor>()));
        return services;
    }

    public static IEndpointRouteBuilder MapGameLink(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<GameLinkGrpcService>();
        return app;
    }
}
