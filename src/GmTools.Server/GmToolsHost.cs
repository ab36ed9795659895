using GmTools.Server.Announcements;
using GmTools.Server.Anomalies;
using GmTools.Server.Audit;
using GmTools.Server.Cases;
using GmTools.Server.ChatWatch;
using GmTools.Server.Diagnostics;
using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Infrastructure.Redis;
using GmTools.Server.Infrastructure.Shutdown;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Rewards;
using GmTools.Server.Sanctions;
using GmTools.Server.Security;
using GmTools.Server.Staffing;
using GmTools.Server.Telemetry;
using GmTools.Server.VipCare;

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GmTools.Server;

/// <summary>
/// The host's plumbing in one place: shared infrastructure first, then one AddXyz()/MapXyz() per
/// capability. A new capability adds its two lines here and keeps everything else in its own folder.
/// </summary>
public static class GmToolsHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        customize?.Invoke(builder);
        ConfigureServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        MapEndpoints(app);
        return app;
    }

    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<GrpcLimitsOptions>().BindConfiguration(GrpcLimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            // Outermost, so every call is counted with the status its caller received, refusals included.
            o.Interceptors.Add<RpcMetricsInterceptor>();
            o.Interceptors.Add<DrainInterceptor>();
            o.Interceptors.Add<AccessInterceptor>();
            o.Interceptors.Add<EdgeGuardInterceptor>();
        });
        // Registered, so gRPC resolves them instead of activating each one afresh on every call (it does for those it
        // cannot find in the container); the gate needs the call's RequestContext, hence scoped.
        services.AddSingleton<DrainInterceptor>();
        services.AddSingleton<EdgeGuardInterceptor>();
        services.AddScoped<AccessInterceptor>();
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<GrpcLimitsOptions>>((o, limits) =>
        {
            o.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageBytes;
            o.MaxSendMessageSize = limits.Value.MaxSendMessageBytes;
        });
        // Registered always, mapped only when enabled (MapEndpoints), so no option is read while composing.
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
        {
            o.UseHealthChecksCache = false;
            // "" (readiness) is every check, the drain's too; "liveness" only the process's own: a replica whose
            // PostgreSQL or Redis is down, or that is draining, is taken out of rotation, not restarted (deploy/k8s).
            o.Services.Map(HealthProbe.LivenessService, r => r.Tags.Contains(HealthProbe.LivenessService));
        }).AddCheck(HealthProbe.SelfCheck, () => HealthCheckResult.Healthy(), [HealthProbe.LivenessService])
            .AddCheck<PostgresHealthCheck>("postgres").AddCheck<RedisHealthCheck>("redis")
            .AddCheck<DrainHealthCheck>("drain");

        services.AddTelemetry(configuration);
        services.AddPersistence(configuration);
        services.AddRedis(configuration);
        services.AddScheduler(configuration);
        services.AddShutdown();
        services.AddSecurity();
        services.AddAudit();
        services.AddIdempotency();

        services.AddGameServers();
        services.AddGameLink(configuration);
        services.AddPlayers();
        services.AddSanctions();
        services.AddRewards(configuration);
        services.AddChatWatch();
        services.AddAnnouncements();
        services.AddCases();
        services.AddAnomalies();
        services.AddStaffing();
        services.AddVipCare();
    }

    public static void MapEndpoints(WebApplication app)
    {
        app.UseCallerAuthentication();
        app.MapGrpcHealthChecksService();
        if (app.Services.GetRequiredService<IOptions<GrpcLimitsOptions>>().Value.EnableReflection)
        {
            app.MapGrpcReflectionService();
        }
        app.MapGrpcService<IdentityGrpcService>();
        app.MapGrpcService<DiagnosticsGrpcService>();
        app.MapGrpcService<AuditGrpcService>();

        app.MapGameServers();
        app.MapGameLink();
        app.MapPlayers();
        app.MapSanctions();
        app.MapRewards();
        app.MapChatWatch();
        app.MapAnnouncements();
        app.MapCases();
        app.MapAnomalies();
        app.MapStaffing();
        app.MapVipCare();
    }
}
