namespace GmTools.Server.GameServers;

public static class GameServersRegistration
{
    public static IServiceCollection AddGameServers(this IServiceCollection services) => services.AddScoped<GameServerRegistry>();

    public static IEndpointRouteBuilder MapGameServers(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<GameServerGrpcService>();
        return app;
    }
}
