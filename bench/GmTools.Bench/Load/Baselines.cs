using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Bench.Load;

/// <summary>The same-run baselines that are not gRPC: redis-benchmark, pgbench, a raw binary COPY.</summary>
public static partial class Baselines
{
    /// <summary>GET requests per second from redis-benchmark; <paramref name="pipeline"/> 1 is unpipelined.</summary>
    public static async Task<double> RedisGetsPerSecondAsync(string redisBenchmark, string redis, int requests, int pipeline)
    {
        var (host, port) = (redis.Split(':')[0], redis.Split(':')[1].Split(',')[0]);
        var output = await RunAsync(redisBenchmark, ["-h", host, "-p", port, "-t", "get", "-n", $"{requests}", "-c", "50", "-P", $"{pipeline}", "-q"]);
        var match = RedisRate().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("redis-benchmark printed no rate: " + output);
    }

    /// <summary>A pgbench database of <paramref name="scale"/> in the same cluster.</summary>
    public static async Task<string> PgbenchDatabaseAsync(string pgbench, string admin, string name, int scale)
    {
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        await WritePathBench.PgbenchAsync(pgbench, admin, name, ["-i", "-q", "-s", $"{scale}"]);
        return name;
    }

    /// <summary>TPS of pgbench's built-in select-only (-S) or simple-update (-N) script.</summary>
    public static async Task<double> PgbenchTpsAsync(string pgbench, string admin, string db, string script, int clients, int seconds)
    {
        var output = await WritePathBench.PgbenchAsync(pgbench, admin, db, [script, "-n", "-c", $"{clients}", "-j", "2", "-T", $"{seconds}"]);
        var match = PgbenchTps().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("pgbench printed no tps: " + output);
    }

    /// <summary>
    /// Rows per second of a raw binary COPY of <paramref name="rows"/> grant-shaped rows — a compensation mail each, as
    /// the campaign expander writes them — into a copy of the outbox table with its indexes.
    /// </summary>
    public static async Task<double> CopyGrantRowsPerSecondAsync(string database, int rows, int gameServers)
    {
        var body = new Contracts.V1.GameCommand
        {
            MailReward = new Contracts.V1.MailReward { GrantId = "campaign:0", Title = "Sorry", Body = "Compensation", Lines = { new Contracts.V1.RewardLine { ItemId = "gold", Count = 50 } } },
        }.ToByteArray();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("DROP TABLE IF EXISTS load_copy_outbox; CREATE TABLE load_copy_outbox (LIKE gamelink_outbox INCLUDING ALL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var watch = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY load_copy_outbox (game_server_id, kind, body, correlation_id, created_at, attempts) FROM STDIN (FORMAT BINARY)"))
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync($"load-{i % gameServers}", NpgsqlDbType.Varchar);
                await copy.WriteAsync("mail_reward", NpgsqlDbType.Varchar);
                await copy.WriteAsync(body, NpgsqlDbType.Bytea);
                await copy.WriteAsync($"campaign:0:lp{i}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        var rate = rows / watch.Elapsed.TotalSeconds;
        await using (var drop = new NpgsqlCommand("DROP TABLE load_copy_outbox", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }
        return rate;
    }

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await stdout + await stderr : throw new InvalidOperationException($"{file} failed: {await stderr}");
    }

    [GeneratedRegex(@"GET: ([0-9.]+) requests per second")]
    private static partial Regex RedisRate();

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex PgbenchTps();
}
