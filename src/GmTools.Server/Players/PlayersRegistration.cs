using GmTools.Server.Demo;
using GmTools.Server.Players.Dossier;

namespace GmTools.Server.Players;

public static class PlayersRegistration
{
    public static IServiceCollection AddPlayers(this IServiceCollection services)
    {
        services.AddOptions<PlayersOptions>().BindConfiguration(PlayersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PlayerSync>();
        services.AddSingleton<PlayerSearch>();
        services.AddScoped<PlayerContactReads>();
        services.AddScoped<PlayerNotes>();
        services.AddScoped<PlayerTransfers>();
        services.AddScoped<PlayerDossier>();
        services.AddScoped<IDossierSection, NotesDossierSection>();
        services.AddDemoSeeder<DemoPlayersSeeder>();
        return services;
    }

    public static IEndpointRouteBuilder MapPlayers(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PlayersGrpcService>();
        return app;
    }
}
