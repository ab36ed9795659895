using Microsoft.Extensions.Options;

namespace GmTools.Server.Infrastructure.Shutdown;

public static class ShutdownRegistration
{
    /// <summary>The drain on stop (<see cref="ReplicaDrain"/>) and the host's stop bound from <see cref="ShutdownOptions.Timeout"/>.</summary>
    public static IServiceCollection AddShutdown(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidation>();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        services.AddSingleton<ReplicaDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaDrain>());
        return services;
    }
}
