using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// Each test class gets its own database, cloned from a template that is migrated once per run, so
/// classes run in parallel without seeing each other's rows and without paying for migrations each time.
/// </summary>
public static class TestDatabase
{
    private const string TemplateName = "gmtools_test_template";
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static Task? _template;

    public static async Task<string> CreateAsync(string label, bool fromTemplate = true)
    {
        if (fromTemplate)
        {
            await EnsureTemplateAsync();
        }
        var name = $"t_{Sanitize(label)}_{Guid.NewGuid():N}"[..40];
        await CreateLock.WaitAsync();
        try
        {
            await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand(fromTemplate ? $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateName}" : $"CREATE DATABASE \"{name}\"", admin);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }
        return ConnectionString(name);
    }

    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = database, MaxPoolSize = 30 }.ConnectionString;

    public static async Task MigrateAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var options = new DbContextOptionsBuilder<GmToolsDbContext>();
        PersistenceRegistration.Configure(options, dataSource);
        await using var db = new GmToolsDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    private static Task EnsureTemplateAsync()
    {
        lock (CreateLock)
        {
            return _template ??= BuildTemplateAsync();
        }
    }

    private static async Task BuildTemplateAsync()
    {
        await using (var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {TemplateName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {TemplateName}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString(TemplateName)) { Pooling = false }.ConnectionString;
        await MigrateAsync(cs);
    }

    private static string Sanitize(string label) =>
        new string(label.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c)).ToArray()) is { Length: > 0 } s ? (s.Length > 20 ? s[..20] : s) : "x";
}
