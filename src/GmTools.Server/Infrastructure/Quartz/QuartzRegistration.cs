using GmTools.Server.Persistence;
using Quartz;

namespace GmTools.Server.Infrastructure.Quartz;

/// <summary>Section "GmTools:Quartz".</summary>
public sealed class SchedulerOptions
{
    public const string Section = "GmTools:Quartz";

    /// <summary>Off only for tools that open the host without wanting jobs to fire (e.g. the migrate verb).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(10);

    public int ThreadCount { get; set; } = 4;
}

/// <summary>
/// Quartz on the persistent ADO store in PostgreSQL with clustering on: a job fires once across all
/// replicas, and survives a restart. Capabilities add jobs with their own AddXyz(); this wiring stays put.
/// </summary>
public static class QuartzRegistration
{
    public static IServiceCollection AddScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();
        if (!options.Enabled)
        {
            return services;
        }
        var connectionString = PersistenceRegistration.RequiredConnectionString(configuration, PersistenceRegistration.ConnectionStringName);
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "gmtools";
                s.GenerateInstanceId = true;
            });
            q.UseDefaultThreadPool(options.ThreadCount);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(ado => ado.TablePrefix = "qrtz_");
                store.UseClustering(c => c.CheckinInterval = options.ClusterCheckinInterval);
                store.UsePostgres(Npgsql.NpgsqlFactory.Instance, connectionString);
                store.UseSystemTextJsonSerializer(_ => { });
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
