using GmTools.Console.Components;
using GmTools.Console.Localization;
using GmTools.Console.Security;
using GmTools.Console.ServerCalls;
using MudBlazor.Services;

namespace GmTools.Console;

/// <summary>
/// The console's plumbing in one place, so tests can build the same app with an in-process gRPC server
/// (a primary handler for the gRPC clients) and their own clock.
/// </summary>
public static class ConsoleHost
{
    public static WebApplication Build(string[] args) => Build(new WebApplicationOptions { Args = args });

    /// <param name="customize">Runs after the console's registrations (a test's clock replaces the system one).</param>
    public static WebApplication Build(WebApplicationOptions options, Action<WebApplicationBuilder>? customize = null, Func<HttpMessageHandler>? serverHandler = null)
    {
        var builder = WebApplication.CreateBuilder(options);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddConsoleLocalization();
        services.AddConsoleAuthentication(builder.Configuration, builder.Environment);
        services.AddServerClients(builder.Configuration, serverHandler);
        services.AddHttpContextAccessor();
        customize?.Invoke(builder);

        var app = builder.Build();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseAuthentication();
        app.UseConsoleLocalization();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapConsoleAuthEndpoints();
        app.MapPreferenceEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
