using GmTools.Server.Demo;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Console.Tests.Browser;

/// <summary>
/// The real server in-process (real PostgreSQL and Redis, the demo world seeded) and the real console on a
/// loopback port in front of it, calling it through the in-process handler. The console mints tokens with
/// the server's key and the server's clock, as development sign-in does against a local server.
/// </summary>
public sealed class ConsoleFixture : ServerFixture
{
    private WebApplication? _console;

    public Uri ConsoleAddress { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        // Tokens carry real times (the browser's cookies too), so the frozen test clock starts at the real now.
        Clock.SetUtcNow(DateTimeOffset.UtcNow);
        await base.InitializeAsync();
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
        }
        var admin = new RewardService.RewardServiceClient(StaffChannel("ada.admin", Role.Admin));
        foreach (var (id, name, kind, value) in Catalogue)
        {
            await admin.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
            {
                Item = new CatalogueItem { ItemId = id, Name = name, Kind = kind, UnitValue = value, Active = true },
                Reason = "console e2e catalogue",
            });
        }

        var consoleProject = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/GmTools.Console"));
        _console = ConsoleHost.Build(
            new WebApplicationOptions
            {
                ApplicationName = typeof(ConsoleHost).Assembly.GetName().Name,
                EnvironmentName = Environments.Development,
                ContentRootPath = Directory.Exists(consoleProject) ? consoleProject : AppContext.BaseDirectory,
                Args =
                [
                    "--urls=http://127.0.0.1:0",
                    $"--GmTools:Jwt:SigningKey={GmToolsFactory.SigningKey}",
                    "--GmTools:Console:ServerAddress=http://localhost",
                    "--GmTools:Console:Auth:Mode=Development",
                    "--Logging:LogLevel:Default=Warning",
                ],
            },
            builder => builder.Services.AddSingleton<TimeProvider>(Clock),
            serverHandler: () => Server.Server.CreateHandler());
        await _console.StartAsync();
        var address = _console.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ConsoleAddress = new Uri(address);
    }

    public static readonly (string Id, string Name, ItemKind Kind, long UnitValue)[] Catalogue =
    [
        ("gold", "金币 Gold", ItemKind.Currency, 1),
        ("gem", "宝石 Gem", ItemKind.Item, 100),
        ("mount.horse", "坐骑 Horse", ItemKind.Item, 5000),
    ];

    public Browser NewBrowser(string language = "zh-CN") => new(ConsoleAddress, language);

    public override async Task DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.StopAsync();
            await _console.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
