using GmTools.Server.Infrastructure.Quartz;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Infrastructure.Idempotency;

public static class IdempotencyRegistration
{
    public static IServiceCollection AddIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<IdempotentCalls>();
        services.AddSingleton<IdempotencyPurge>();
        services.AddRecurringJob<IdempotencyPurgeJob>("idempotency-purge", sp => sp.GetRequiredService<IOptions<IdempotencyOptions>>().Value.PurgeInterval);
        return services;
    }
}
