using GmTools.Server.Security;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// One in-process replica of the real server, on a real PostgreSQL database and a real Redis under its own
/// key prefix, with a fake clock. Two factories with the same database and prefix are two replicas.
/// </summary>
public sealed class GmToolsFactory(string postgres, string redisPrefix, FakeTimeProvider clock, IReadOnlyDictionary<string, string?>? settings = null, TestLog? log = null)
    : WebApplicationFactory<Program>
{
    public const string SigningKey = "test-signing-key-0123456789-0123456789-abcdef";

    public FakeTimeProvider Clock { get; } = clock;

    /// <summary>Where this replica logs; its fixture's, so every replica of a fixture writes to the same test output.</summary>
    public TestLog Log { get; } = log ?? new TestLog();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", postgres);
        builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
        builder.UseSetting("GmTools:Redis:KeyPrefix", redisPrefix);
        builder.UseSetting("GmTools:Jwt:SigningKey", SigningKey);
        builder.UseSetting("GmTools:Database:MigrateOnStart", "false");
        builder.UseSetting("GmTools:RateLimits:StaffPerSecond", "100000");
        builder.UseSetting("GmTools:RateLimits:StaffBurst", "100000");
        builder.UseSetting("GmTools:Quartz:ThreadCount", "2");
        // A replica stopped at the end of a class drains its GameLink streams; raw test streams ignore the go-away.
        builder.UseSetting("GmTools:Shutdown:DrainTimeout", "00:00:02");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        // The server's log goes to the running test's output (TestLog), at the levels appsettings.json sets.
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Log));
        builder.ConfigureTestServices(services =>
        {
            // The last registration wins. Removing the others would also remove Quartz's keyed system clock.
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    /// <summary>A channel whose calls carry the given authorization header value (or none).</summary>
    public GrpcChannel Channel(string? authorization = null)
    {
        var handler = new AuthorizationHandler(authorization) { InnerHandler = Server.CreateHandler() };
        return GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public string StaffToken(string user, params Role[] roles) => "Bearer " + Services.GetRequiredService<StaffTokenIssuer>().Issue(user, roles);

    public string ScopedStaffToken(string user, IEnumerable<string> gameServers, params Role[] roles) =>
        "Bearer " + Services.GetRequiredService<StaffTokenIssuer>().Issue(user, roles, gameServers);

    private sealed class AuthorizationHandler(string? authorization) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("authorization", authorization);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
