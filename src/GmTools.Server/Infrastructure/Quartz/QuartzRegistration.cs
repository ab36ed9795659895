using GmTools.Server.Persistence;
using Quartz;

namespace GmTools.Server.Infrastructure.Quartz;

/// <summary>
/// Quartz on the persistent ADO store in PostgreSQL with clustering on: a job fires once across all
/// replicas, and survives a restart. Capabilities add jobs with their own AddXyz(); this wiring stays put.
/// </summary>
public static class QuartzRegistration
{
    /// <summary>The scheduler's name and service key: resolve it with [FromKeyedServices(SchedulerName)] IScheduler.</summary>
    public const string SchedulerName = "gmtools";

    public static IServiceCollection AddScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Read once here as well, on purpose: Quartz composes its services (or none) from these values at registration.
        var options = configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();
        if (!options.Enabled)
        {
            return services;
        }
        var connectionString = PersistenceRegistration.RequiredConnectionString(configuration, PersistenceRegistration.ConnectionStringName);
        // A named scheduler: its parts are keyed by the name, so the clock given below is the one its job store
        // uses even where the container's unkeyed TimeProvider is a test's fake clock.
        services.AddQuartz(SchedulerName, q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.GenerateInstanceId = true;
                // A stopping replica asks its running jobs to stop (their cancellation token) and waits for them
                // (WaitForJobsToComplete below, bounded by GmTools:Shutdown:Timeout); every job here works in
                // chunks of its own transaction and resumes from stored state on the next fire, anywhere.
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            q.UseDefaultThreadPool(options.ThreadCount);
            // Quartz waits, checks in with the cluster and detects misfires on its own clock. It stays on the
            // system clock even when the service's TimeProvider is a test's fake one: a frozen clock would stall
            // its scheduling thread. Jobs themselves read the service's TimeProvider for business time.
            q.UseTimeProvider(TimeProvider.System);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(ado =>
                {
                    ado.TablePrefix = "qrtz_";
                    // A firing so interrupted whose job requests recovery (campaign expansion) is handed to
                    // another replica at once, as after a crash, instead of waiting for its next repeat.
                    ado.RecoverFiringsCancelledByShutdown = true;
                });
                store.UseClustering(c => c.CheckinInterval = options.ClusterCheckinInterval);
                store.UsePostgres(Npgsql.NpgsqlFactory.Instance, connectionString);
                store.UseSystemTextJsonSerializer(_ => { });
            });
        });
        services.AddQuartzHostedService(SchedulerName, o => o.WaitForJobsToComplete = true);
        return services;
    }
}
