using GmTools.Server.Demo;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Quartz;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

public static class AnnouncementsRegistration
{
    public static IServiceCollection AddAnnouncements(this IServiceCollection services)
    {
        services.AddOptions<AnnouncementOptions>().BindConfiguration(AnnouncementOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AnnouncementOptions>, AnnouncementOptionsValidation>();
        services.AddScoped<AnnouncementCommands>();
        // Receipts and CancelAnnouncement's "servers that showed it" read the show rows: the outbox purge keeps them.
        services.KeepOutboxHistory("announcement:%", "announcement receipts and withdrawals");
        services.AddScoped<AnnouncementDesk>();
        services.AddScoped<AnnouncementQueries>();
        services.AddScoped<AnnouncementDispatcher>();
        services.AddScoped<IGameLinkConnectContributor, AnnouncementsOnConnect>();
        services.AddDemoSeeder<DemoAnnouncements>();
        services.AddRecurringJob<AnnouncementFireJob>("announcement-fires", sp => sp.GetRequiredService<IOptions<AnnouncementOptions>>().Value.PollInterval);
        return services;
    }

    public static IEndpointRouteBuilder MapAnnouncements(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<AnnouncementGrpcService>();
        return app;
    }
}
