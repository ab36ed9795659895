using System.Diagnostics;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own, for fault tests that stop and start the database without
/// disturbing the shared instance the other classes use. Runs as the postgres user when we are root.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private PrivatePostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=3;Command Timeout=5";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = TestEnvironment.PostgresBin ?? throw new InvalidOperationException("GMTOOLS_PG_BIN is not set: run through deploy/test.sh");
        var dir = Path.Combine(Path.GetTempPath(), $"gmtools-pg-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(dir);
        if (IsRoot)
        {
            await RunAsync("chown", $"postgres {dir}");
        }
        var pg = new PrivatePostgres(bin, dir, TestPorts.Free());
        await pg.AsPostgresAsync("initdb", $"-D {dir}/data -U postgres --auth=trust -E UTF8 --no-sync");
        await pg.StartAgainAsync();
        return pg;
    }

    public Task StartAgainAsync() =>
        AsPostgresAsync("pg_ctl", $"-D {_dir}/data -l {_dir}/log -w -t 30 -o \"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off\" start");

    public Task StopAsync() => AsPostgresAsync("pg_ctl", $"-D {_dir}/data -w -t 30 -m fast stop");

    /// <summary>
    /// A crash: the postmaster and its backends are killed without a checkpoint, so the next start replays the WAL
    /// and whatever was committed with <c>synchronous_commit = off</c> but not yet flushed is gone.
    /// </summary>
    public Task CrashAsync() => AsPostgresAsync("pg_ctl", $"-D {_dir}/data -w -t 30 -m immediate stop");

    /// <summary>A database of its own in this cluster, migrated; returns its connection string.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string name = "gm")
    {
        await using (var root = new Npgsql.NpgsqlConnection(ConnectionString()))
        {
            await root.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", root);
            await create.ExecuteNonQueryAsync();
        }
        var cs = ConnectionString(name);
        await TestDatabase.MigrateAsync(cs);
        return cs;
    }

    /// <summary>
    /// A hot-standby streaming replica of this cluster (deploy/local/services.sh, gm_pg_replica_start: pg_basebackup),
    /// in a folder beside the primary's data; it holds every database the primary held when it was made.
    /// </summary>
    public async Task<PrivatePostgres> StartReplicaAsync()
    {
        var replica = new PrivatePostgres(_bin, Path.Combine(_dir, "replica"), TestPorts.Free());
        var services = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "local", "services.sh");
        await RunAsync("bash", $"-c '. {services} && gm_pg_replica_start {Port} {replica._dir}/data {replica.Port}'");
        return replica;
    }

    /// <summary>Runs one SQL statement on the "postgres" database (e.g. pg_wal_replay_pause() on a replica).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var conn = new Npgsql.NpgsqlConnection(ConnectionString());
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task AsPostgresAsync(string tool, string args) =>
        IsRoot ? RunAsync("runuser", $"-u postgres -- {_bin}/{tool} {args}") : RunAsync($"{_bin}/{tool}", args);

    private static async Task RunAsync(string file, string args)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"{file} {args}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {args} exited {p.ExitCode}: {await stdout} {await stderr}");
        }
    }

}
