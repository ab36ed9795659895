namespace GmTools.Server.Demo;

/// <summary>
/// One capability's part of the demo world. Each capability registers its seeder in its XyzRegistration
/// (<c>services.AddDemoSeeder&lt;DemoXyz&gt;()</c>); <see cref="DemoWorld"/> runs them all by <see cref="Order"/>.
/// A seeder must be safe to run again on a seeded database: it recognises its own rows and adds nothing twice.
/// </summary>
public interface IDemoSeeder
{
    /// <summary>Lower runs first; see <see cref="DemoOrder"/>. A seeder may rely on every lower one.</summary>
    int Order { get; }

    /// <summary>Seeds and returns one line for the operator, e.g. "rewards: 6 catalogue items, 2 grants".</summary>
    Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct);
}

/// <summary>What every seeder gets: the request-scoped services, the demo game servers, the clock's now.</summary>
public sealed record DemoSeedContext(IServiceProvider Services, IReadOnlyList<string> GameServerIds, DateTimeOffset Now);

/// <summary>Run order of the demo seeders: players first, then what refers to players.</summary>
public static class DemoOrder
{
    public const int Players = 100;
    public const int Sanctions = 200;
    public const int Rewards = 300;
    public const int ChatWatch = 400;
    public const int Announcements = 500;
    public const int Anomalies = 600;
    public const int Cases = 700;
    public const int VipCare = 800;
    // A new capability takes the next hundred, its own constant here.
}

public static class DemoSeederRegistration
{
    public static IServiceCollection AddDemoSeeder<T>(this IServiceCollection services)
        where T : class, IDemoSeeder => services.AddScoped<IDemoSeeder, T>();
}

/// <summary>
/// The demo staff the seeders act as (the same accounts the console's development sign-in offers), and a clock
/// stopped in the past, so that a seeder can tell a history (a mute that expired, a lift last week) through the
/// capability's own desks instead of writing rows behind their back.
/// </summary>
public static class DemoActors
{
    public static readonly Security.Caller Gm = Staff("gus.gm", Security.Role.Gm);
    public static readonly Security.Caller Agent = Staff("amy.agent", Security.Role.Agent);
    public static readonly Security.Caller Supervisor = Staff("sam.supervisor", Security.Role.Supervisor);

    public static Security.Caller Staff(string id, Security.Role role) => new(id, Security.CallerKind.Staff, [role], []);

    /// <summary>A desk of type <typeparamref name="T"/> whose clock reads <paramref name="at"/>.</summary>
    public static T DeskAt<T>(IServiceProvider services, DateTimeOffset at, params object[] more)
        where T : class => ActivatorUtilities.CreateInstance<T>(services, [new StoppedClock(at), .. more]);

    private sealed class StoppedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
