using GmTools.Server.Demo;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Players.Dossier;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Cases;

public static class CasesRegistration
{
    public static IServiceCollection AddCases(this IServiceCollection services)
    {
        services.AddOptions<CaseOptions>().BindConfiguration(CaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaseOptions>, CaseOptionsValidation>();
        services.AddScoped<CaseDesk>();
        services.AddScoped<CaseDecisionEscalation>();
        services.AddScoped<CaseQueries>();
        services.AddScoped<CaseLinkDesk>();
        services.AddScoped<RechargeDesk>();
        services.AddScoped<CaseReports>();
        services.AddScoped<CaseAssignment>();
        // What a case may be linked to (each kind read through its owner's scope rule).
        services.AddScoped<ICaseLinkTarget, SanctionLinkTarget>();
        services.AddScoped<ICaseLinkTarget, GrantLinkTarget>();
        services.AddScoped<ICaseLinkTarget, CampaignLinkTarget>();
        services.AddScoped<ICaseLinkTarget, ChatLineLinkTarget>();
        services.AddScoped<ICaseLinkTarget, VisitLinkTarget>();
        services.AddScoped<IDossierSection, CasesDossierSection>();
        services.AddDemoSeeder<DemoCases>();
        services.AddScoped<CaseSlaWatch>();
        services.AddRecurringJob<CaseSlaJob>("case-sla-watch", sp => sp.GetRequiredService<IOptions<CaseOptions>>().Value.SlaSweepInterval);
        return services;
    }

    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<CaseGrpcService>();
        return app;
    }
}
