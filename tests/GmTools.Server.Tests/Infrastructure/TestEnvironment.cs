namespace GmTools.Server.Tests.Infrastructure;

/// <summary>The services deploy/test.sh started for this run.</summary>
public static class TestEnvironment
{
    public static string PostgresAdmin => Required("GMTOOLS_TEST_POSTGRES");

    public static string Redis => Required("GMTOOLS_TEST_REDIS");

    /// <summary>The 3-master Redis Cluster deploy/test.sh formed: its three endpoints, comma-separated.</summary>
    public static string RedisCluster => Required("GMTOOLS_TEST_REDIS_CLUSTER");

    public static string? PostgresBin => Environment.GetEnvironmentVariable("GMTOOLS_PG_BIN");

    public static string? RedisServer => Environment.GetEnvironmentVariable("GMTOOLS_REDIS_SERVER");

    /// <summary>The checkout the tests were built from (the folder holding GmTools.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "GmTools.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("GmTools.sln not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through deploy/test.sh, which starts PostgreSQL and Redis for them.");
}
