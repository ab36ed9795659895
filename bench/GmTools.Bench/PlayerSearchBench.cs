using System.Diagnostics;
using System.Globalization;
using GmTools.Bench.Load;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using HdrHistogram;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Bench;

/// <summary>
/// Player name search at scale: migrate the named database, load N players with binary COPY (secondary
/// indexes dropped first, rebuilt after the load), then time prefix and fuzzy searches through
/// <see cref="PlayerSearch"/>, the class the gRPC service calls. Baselines from the same run: a bare
/// "SELECT 1" round trip and a raw COPY into an index-free table.
/// </summary>
public static class PlayerSearchBench
{
    private const int CopyStreams = 2;
    private const int BaselineCopyRows = 1_000_000;

    /// <param name="Thresholds">Fuzzy similarity thresholds to try; a negative value is the service's length-dependent one ("auto").</param>
    public sealed record Settings(string ConnectionString, long Players, int Queries, int FuzzyQueries, float[] Thresholds, bool Reuse);

    public static async Task<int> RunAsync(Settings args)
    {
        await EnsureDatabaseAsync(args.ConnectionString);
        var csb = new NpgsqlConnectionStringBuilder(args.ConnectionString) { MaxPoolSize = 10, CommandTimeout = 0 };
        await using var dataSource = NpgsqlDataSource.Create(csb.ConnectionString);
        await MigrateAsync(dataSource);
        Console.WriteLine($"database {csb.Database} on {csb.Host}:{csb.Port}; {await ScalarAsync(dataSource, "SELECT version()")}");

        var selectOne = new Latencies("baseline: SELECT 1 round trip");
        for (var i = 0; i < 3000; i++)
        {
            await selectOne.TimeAsync(() => ScalarAsync(dataSource, "SELECT 1"));
        }
        Console.WriteLine(selectOne.Line());

        var existing = Convert.ToInt64(await ScalarAsync(dataSource, "SELECT count(*) FROM players"), CultureInfo.InvariantCulture);
        if (args.Reuse && existing == args.Players)
        {
            Console.WriteLine($"reusing {existing:N0} players already loaded");
        }
        else
        {
            var baseline = await RawCopyRateAsync(dataSource);
            Console.WriteLine($"baseline: raw COPY, 1 stream, no indexes  {baseline,12:N0} rows/s");
            await SeedAsync(dataSource, args.Players);
        }

        await MeasureAsync(dataSource, args);
        return 0;
    }

    /// <summary>Replaces the players table's rows with <paramref name="players"/> generated ones, indexes and typo index rebuilt.</summary>
    public static async Task SeedAsync(NpgsqlDataSource dataSource, long players)
    {
        var indexes = await DropIndexesAsync(dataSource);
        // The typo index is rebuilt in bulk below; its triggers would otherwise collect every COPY row first.
        await ExecAsync(dataSource, $"ALTER TABLE players DISABLE TRIGGER {InsertTrigger}; ALTER TABLE players DISABLE TRIGGER {UpdateTrigger}");
        var sw = Stopwatch.StartNew();
        var per = players / CopyStreams;
        await Task.WhenAll(Enumerable.Range(0, CopyStreams).Select(s =>
            CopyPlayersAsync(dataSource, s * per, s == CopyStreams - 1 ? players : (s + 1) * per, seed: 7919 * (s + 1))));
        var load = sw.Elapsed;
        Console.WriteLine($"seed: COPY {players:N0} players, {CopyStreams} streams      {players / load.TotalSeconds,12:N0} rows/s ({load.TotalSeconds:F1} s)");

        sw.Restart();
        await BuildIndexesAsync(dataSource, indexes);
        Console.WriteLine($"seed: build indexes + analyze              {sw.Elapsed.TotalSeconds,12:F1} s");

        sw.Restart();
        await RebuildNameVariantsAsync(dataSource);
        Console.WriteLine($"seed: typo index (player_name_variants)    {sw.Elapsed.TotalSeconds,12:F1} s, {await ScalarAsync(dataSource, "SELECT count(*) FROM player_name_variants"):N0} rows, " +
            $"{await ScalarAsync(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('player_name_variants'))")}");
        Console.WriteLine($"seed: table + indexes size                 {await ScalarAsync(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('players'))"),12}");
    }

    private const string InsertTrigger = "players_name_variants_insert";
    private const string UpdateTrigger = "players_name_variants_update";

    /// <summary>
    /// The typo index from scratch: emptied, its primary key dropped, filled from the distinct name keys by the same
    /// SQL function the triggers use (two statements in parallel, one per half of the keys' hash), key rebuilt, and
    /// the triggers enabled again. Generated in the server: the variants (about ten per key) never cross the socket.
    /// </summary>
    private static async Task RebuildNameVariantsAsync(NpgsqlDataSource dataSource)
    {
        await ExecAsync(dataSource, "TRUNCATE player_name_variants; ALTER TABLE player_name_variants DROP CONSTRAINT IF EXISTS pk_player_name_variants");
        await Task.WhenAll(Enumerable.Range(0, CopyStreams).Select(part => ExecAsync(dataSource, $"""
            INSERT INTO player_name_variants (variant, name_key)
            SELECT v, n.k FROM (SELECT DISTINCT character_name_key AS k FROM players WHERE abs(hashtext(character_name_key)) % {CopyStreams} = {part}) n
            CROSS JOIN LATERAL player_name_index_keys(n.k) AS v
            """)));
        await ExecAsync(dataSource, $"""
            SET maintenance_work_mem = '1GB';
            ALTER TABLE player_name_variants ADD CONSTRAINT pk_player_name_variants PRIMARY KEY (variant, name_key);
            ALTER TABLE players ENABLE TRIGGER {InsertTrigger}; ALTER TABLE players ENABLE TRIGGER {UpdateTrigger};
            """);
        await ExecAsync(dataSource, "VACUUM ANALYZE player_name_variants");
    }

    /// <summary>Raw COPY into a table of the same columns with no index and no generated column: what the server can ingest at best.</summary>
    private static async Task<double> RawCopyRateAsync(NpgsqlDataSource dataSource)
    {
        await ExecAsync(dataSource, "DROP TABLE IF EXISTS bench_copy_baseline; CREATE TABLE bench_copy_baseline (LIKE players EXCLUDING ALL)");
        await ExecAsync(dataSource, "ALTER TABLE bench_copy_baseline DROP COLUMN character_name_key");
        var sw = Stopwatch.StartNew();
        await CopyPlayersAsync(dataSource, 0, BaselineCopyRows, seed: 1, table: "bench_copy_baseline");
        var rate = BaselineCopyRows / sw.Elapsed.TotalSeconds;
        await ExecAsync(dataSource, "DROP TABLE bench_copy_baseline");
        return rate;
    }

    private static async Task CopyPlayersAsync(NpgsqlDataSource dataSource, long from, long to, int seed, string table = "players")
    {
        var names = new NameGenerator(seed);
        var random = new Random(seed);
        var epoch = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {table} (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version, synced_at) FROM STDIN (FORMAT BINARY)");
        for (var i = from; i < to; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            await writer.StartRowAsync();
            await writer.WriteAsync("p" + id, NpgsqlDbType.Text);
            await writer.WriteAsync("acct" + (i / 3).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text);
            await writer.WriteAsync("s" + (1 + i % 50).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text);
            await writer.WriteAsync(names.Next(), NpgsqlDbType.Text);
            await writer.WriteAsync(1 + random.Next(120), NpgsqlDbType.Integer);
            await writer.WriteAsync((long)random.Next(100_000), NpgsqlDbType.Bigint);
            await writer.WriteAsync((long)random.Next(1_000_000), NpgsqlDbType.Bigint);
            await writer.WriteAsync(epoch.AddMinutes(random.Next(30 * 24 * 60)), NpgsqlDbType.TimestampTz);
            await writer.WriteAsync("138" + random.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text);
            await writer.WriteAsync(random.Next(10) == 0, NpgsqlDbType.Boolean);
            await writer.WriteAsync(1L, NpgsqlDbType.Bigint);
            await writer.WriteAsync(epoch, NpgsqlDbType.TimestampTz);
        }
        await writer.CompleteAsync();
    }

    /// <summary>
    /// Drops the players indexes (but the primary key) and empties the table; the definitions are kept in
    /// bench_index_defs so an interrupted run can still rebuild exactly what the migrations made.
    /// </summary>
    private static async Task<List<string>> DropIndexesAsync(NpgsqlDataSource dataSource)
    {
        await ExecAsync(dataSource, """
            CREATE TABLE IF NOT EXISTS bench_index_defs (name text PRIMARY KEY, def text NOT NULL);
            INSERT INTO bench_index_defs SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = current_schema() AND tablename = 'players' AND indexname <> 'pk_players'
            ON CONFLICT DO NOTHING;
            """);
        var defs = new List<string>();
        await using (var cmd = dataSource.CreateCommand("SELECT name, def FROM bench_index_defs ORDER BY name"))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                defs.Add(reader.GetString(1));
                await ExecAsync(dataSource, $"DROP INDEX IF EXISTS \"{reader.GetString(0)}\"");
            }
        }
        // The primary key stays: other tables' foreign keys (VIP care's) depend on it. CASCADE empties those too.
        await ExecAsync(dataSource, "TRUNCATE players CASCADE");
        return defs;
    }

    /// <summary>The GIN trigram build is the long pole: it runs on one connection while the btrees build on the other.</summary>
    private static async Task BuildIndexesAsync(NpgsqlDataSource dataSource, List<string> defs)
    {
        const string tune = "SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 0; ";
        var gin = defs.Where(d => d.Contains("USING gin", StringComparison.OrdinalIgnoreCase)).ToList();
        var btrees = defs.Except(gin).ToList();
        await Task.WhenAll(
            Task.Run(async () => { foreach (var d in gin) { await ExecAsync(dataSource, tune + d); } }),
            Task.Run(async () => { foreach (var d in btrees) { await ExecAsync(dataSource, tune + d); } }));
        await ExecAsync(dataSource, "VACUUM ANALYZE players");
    }

    private static async Task MeasureAsync(NpgsqlDataSource dataSource, Settings args)
    {
        var search = new PlayerSearch(dataSource);
        var sample = new List<string>();
        await using (var cmd = dataSource.CreateCommand("SELECT character_name FROM players TABLESAMPLE SYSTEM (1) REPEATABLE (42) LIMIT @n"))
        {
            cmd.Parameters.AddWithValue("n", args.Queries);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                sample.Add(reader.GetString(0));
            }
        }
        var random = new Random(42);
        var prefixes = sample.Select(n => n[..Math.Min(n.Length, IsCjk(n) ? 1 + random.Next(2) : 3 + random.Next(3))]).ToList();

        // Warm-up (plans, caches); not counted.
        foreach (var p in prefixes.Take(200))
        {
            await search.SearchAsync(new PlayerQuery(PlayerSearchMode.NamePrefix, p, null, 20), default);
        }

        foreach (var pageSize in new[] { 20, 100 })
        {
            var lat = new Latencies($"name prefix, page {pageSize}");
            foreach (var p in prefixes)
            {
                await lat.TimeAsync(() => search.SearchAsync(new PlayerQuery(PlayerSearchMode.NamePrefix, p, null, pageSize), default));
            }
            Console.WriteLine(lat.Line());
        }
        var filtered = new Latencies("name prefix, page 20, one server");
        foreach (var p in prefixes)
        {
            await filtered.TimeAsync(() => search.SearchAsync(new PlayerQuery(PlayerSearchMode.NamePrefix, p, ["s7"], 20), default));
        }
        Console.WriteLine(filtered.Line());

        foreach (var threshold in args.FuzzyQueries == 0 ? [] : args.Thresholds)
        {
            var label = threshold < 0 ? $"auto {PlayerQuery.DefaultFuzzyThreshold}..{PlayerQuery.DefaultFuzzyThresholdCap}" : threshold.ToString(CultureInfo.InvariantCulture);
            var recall = await MeasureRecallAsync(dataSource, args.FuzzyQueries, async typo => (await search.SearchAsync(
                new PlayerQuery(PlayerSearchMode.NameFuzzy, typo, null, 20,
                    FuzzyThreshold: threshold < 0 ? PlayerQuery.ThresholdFor(typo) : threshold, FuzzyTimeoutMs: 60_000), default)).Players.Select(p => p.PlayerId).ToList());
            Console.WriteLine($"fuzzy recall set, page 20, sim>={label}: {recall.Describe()}");
        }
        if (args.FuzzyQueries > 0)
        {
            // The GM's usual case: the complaint or report names the game server, so the search is kept to it.
            var oneServer = await MeasureRecallAsync(dataSource, args.FuzzyQueries, async (typo, gameServerId) => (await search.SearchAsync(
                new PlayerQuery(PlayerSearchMode.NameFuzzy, typo, [gameServerId], 20,
                    FuzzyThreshold: PlayerQuery.ThresholdFor(typo), FuzzyTimeoutMs: 60_000), default)).Players.Select(p => p.PlayerId).ToList());
            Console.WriteLine($"fuzzy recall set, page 20, the intended player's game server only: {oneServer.Describe()}");
        }
    }

    /// <summary>A recall-set run: latencies of every query, and where the intended player was found.</summary>
    public sealed record RecallRun(LongHistogram Histogram, RecallTally All, RecallTally Cjk, RecallTally Latin, int Targets, int Excluded)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Histogram.TotalCount} queries, {LatencySummary.Of(Histogram).Text}; intended player on page 1: one typo {All.Percent(RecallTally.OneTypo):F1} % " +
            $"(same length {All.Percent(TypoKind.OneSameLength):F1}, one longer {All.Percent(TypoKind.OneLonger):F1}, one shorter {All.Percent(TypoKind.OneShorter):F1}), " +
            $"two typos {All.Percent(TypoKind.Two):F1} %; CJK names: one typo {Cjk.Percent(RecallTally.OneTypo):F1} % of {Cjk.Count(RecallTally.OneTypo)}, " +
            $"two {Cjk.Percent(TypoKind.Two):F1} % of {Cjk.Count(TypoKind.Two)}; other names: one typo {Latin.Percent(RecallTally.OneTypo):F1} % of {Latin.Count(RecallTally.OneTypo)}, " +
            $"two {Latin.Percent(TypoKind.Two):F1} % of {Latin.Count(TypoKind.Two)}; {Targets} target players, {Excluded} sampled players left out (name held by more than {MaxHolders})");
    }

    /// <summary>
    /// A sampled player whose exact name more players hold than this is left out of the recall set: no name search
    /// can single one of them out (the page shows ties in player-id order).
    /// </summary>
    public const int MaxHolders = 10;

    /// <summary>
    /// The fuzzy recall set (<see cref="NameRecall"/>, seed 42) over a seeded block sample of the loaded players, each
    /// query timed through <paramref name="firstPage"/> (the first page's player ids) and scored as "intended player
    /// on the first page". The first 20 queries warm up and are not counted.
    /// </summary>
    public static Task<RecallRun> MeasureRecallAsync(NpgsqlDataSource dataSource, int targets, Func<string, Task<IReadOnlyList<string>>> firstPage) =>
        MeasureRecallAsync(dataSource, targets, (query, _) => firstPage(query));

    /// <summary>The same, with the intended player's game server given to <paramref name="firstPage"/> beside the query.</summary>
    public static async Task<RecallRun> MeasureRecallAsync(NpgsqlDataSource dataSource, int targets, Func<string, string, Task<IReadOnlyList<string>>> firstPage)
    {
        var total = Convert.ToDouble(await ScalarAsync(dataSource, "SELECT greatest(count(*), 1) FROM players"), CultureInfo.InvariantCulture);
        var sampled = new List<(string Id, string Name, long Holders, string GameServerId)>();
        await using (var cmd = dataSource.CreateCommand("""
            SELECT s.player_id, s.character_name, (SELECT count(*) FROM players h WHERE h.character_name_key = s.character_name_key), s.game_server_id
            FROM (SELECT player_id, character_name, character_name_key, game_server_id FROM players TABLESAMPLE SYSTEM (@percent) REPEATABLE (42)
                  ORDER BY player_id LIMIT @n) s
            """))
        {
            cmd.Parameters.AddWithValue("percent", Math.Min(100.0, 100.0 * 3 * (targets + 20) / total));
            cmd.Parameters.AddWithValue("n", 2 * (targets + 20));
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                sampled.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }
        var kept = sampled.Where(s => s.Holders <= MaxHolders).Take(targets + 20).ToList();
        var queries = NameRecall.Build(kept.Select(k => (k.Id, k.Name)), seed: 42);
        var serverOf = kept.ToDictionary(k => k.Id, k => k.GameServerId, StringComparer.Ordinal);
        var warmUp = queries.TakeWhile(q => kept.Take(20).Any(k => k.Id == q.PlayerId)).ToList();
        foreach (var q in warmUp)
        {
            await firstPage(q.Query, serverOf[q.PlayerId]);
        }
        var histogram = LatencySummary.NewHistogram();
        var all = new RecallTally();
        var cjk = new RecallTally();
        var latin = new RecallTally();
        foreach (var q in queries.Skip(warmUp.Count))
        {
            var start = Stopwatch.GetTimestamp();
            var ids = await firstPage(q.Query, serverOf[q.PlayerId]);
            histogram.RecordValue(Math.Min(LatencySummary.HighestMicros, (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds));
            all.Add(q, ids);
            (IsCjk(q.Name) ? cjk : latin).Add(q, ids);
        }
        var excluded = sampled.TakeWhile(s => kept.Count == 0 || s.Id != kept[^1].Id).Count(s => s.Holders > MaxHolders);
        return new RecallRun(histogram, all, cjk, latin, kept.Count - warmUp.Select(q => q.PlayerId).Distinct().Count(), excluded);
    }

    private static bool IsCjk(string s) => s.Any(ch => ch is >= '\u4e00' and <= '\u9fff');

    private static async Task EnsureDatabaseAsync(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection);
        exists.Parameters.AddWithValue("n", target.Database!);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    private static async Task MigrateAsync(NpgsqlDataSource dataSource)
    {
        var options = new DbContextOptionsBuilder<GmToolsDbContext>();
        PersistenceRegistration.Configure(options, dataSource);
        await using var db = new GmToolsDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task ExecAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        // Bulk loads and index builds: minutes on a busy machine, whatever timeout the caller's data source has.
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }
}
