using GmTools.Server.Players.Dossier;

namespace GmTools.Server.Players;

public static class PlayersRegistration
{
    public static IServiceCollection AddPlayers(this IServiceCollection services)
    {
        services.AddOptions<PlayersOptions>().BindConfiguration(PlayersOptions.Section)
            .Validate(o => o.MaxSyncBatch is > 0 and <= 10_000 && o.MaxPageSize is > 0 and <= 1000 && o.FuzzyThreshold is > 0 and <= 1 && o.FuzzyThresholdCap is > 0 and <= 1 && o.FuzzyTimeoutMs > 0, "GmTools:Players limits out of range")
            .ValidateOnStart();
        services.AddSingleton<PlayerSync>();
        services.AddSingleton<PlayerSearch>();
        services.AddScoped<PlayerContactReads>();
        services.AddScoped<PlayerNotes>();
        services.AddScoped<PlayerDossier>();
        services.AddScoped<IDossierSection, NotesDossierSection>();
        return services;
    }

    public static IEndpointRouteBuilder MapPlayers(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PlayersGrpcService>();
        return app;
    }
}
