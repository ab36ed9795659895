using GmTools.Console.Security;
using Grpc.Net.ClientFactory;

namespace GmTools.Console.ServerCalls;

public static class ServerClientsRegistration
{
    /// <summary>
    /// One typed client per server service, all through Grpc.Net.ClientFactory with the staff token
    /// interceptor. <paramref name="serverHandler"/> replaces the network (tests run the server in-process).
    /// </summary>
    public static IServiceCollection AddServerClients(this IServiceCollection services, IConfiguration configuration, Func<HttpMessageHandler>? serverHandler)
    {
        services.AddTransient<StaffTokenInterceptor>();
        services.AddScoped<ServerCall>();
        var address = configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>()?.ServerAddress ?? new ConsoleOptions().ServerAddress;
        Add<IdentityService.IdentityServiceClient>(services, address, serverHandler);
        Add<PlayerService.PlayerServiceClient>(services, address, serverHandler);
        Add<SanctionService.SanctionServiceClient>(services, address, serverHandler);
        Add<RewardService.RewardServiceClient>(services, address, serverHandler);
        Add<AuditService.AuditServiceClient>(services, address, serverHandler);
        Add<GameServerService.GameServerServiceClient>(services, address, serverHandler);
        Add<GameLinkService.GameLinkServiceClient>(services, address, serverHandler);
        // desk: VIP care, duty roster, cheater cases, player cases
        Add<VipCareService.VipCareServiceClient>(services, address, serverHandler);
        Add<StaffingService.StaffingServiceClient>(services, address, serverHandler);
        Add<AnomalyService.AnomalyServiceClient>(services, address, serverHandler);
        Add<CaseService.CaseServiceClient>(services, address, serverHandler);
        Add<ChatWatchService.ChatWatchServiceClient>(services, address, serverHandler);
        Add<AnnouncementService.AnnouncementServiceClient>(services, address, serverHandler);
        return services;
    }

    private static void Add<TClient>(IServiceCollection services, string address, Func<HttpMessageHandler>? serverHandler)
        where TClient : class
    {
        var builder = services.AddGrpcClient<TClient>(o => o.Address = new Uri(address))
            .AddInterceptor<StaffTokenInterceptor>(InterceptorScope.Client);
        if (serverHandler is not null)
        {
            builder.ConfigurePrimaryHttpMessageHandler(serverHandler);
        }
    }
}
