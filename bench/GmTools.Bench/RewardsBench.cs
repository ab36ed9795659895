using System.Diagnostics;
using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using GmTools.Server.Rewards;
using GmTools.Server.Security;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Quartz;
using Caller = GmTools.Server.Security.Caller;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Bench;

/// <summary>
/// Compensation-campaign expansion at 1,000,000 players (verb <c>rewards</c>), next to raw write baselines on the same
/// PostgreSQL: COPY of the players, INSERT ... SELECT and COPY of outbox-shaped rows; then GetCampaign and
/// CancelCampaign at that size. Works in a scratch database it drops at the end (unless --keep).
/// </summary>
public static class RewardsBench
{
    public sealed record Settings(string Postgres, int Players, int Chunk, int Servers, bool Keep);

    public static async Task<int> RunAsync(Settings settings)
    {
        var admin = settings.Postgres;
        var players = settings.Players;
        var chunk = settings.Chunk;
        var servers = settings.Servers;

        var dbName = "gmtools_bench_rewards";
        await Sql(admin, $"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
        await Sql(admin, $"CREATE DATABASE {dbName}");
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = dbName, CommandTimeout = 0 }.ConnectionString;

        var app = GmToolsHost.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = cs,
            ["ConnectionStrings:Redis"] = "127.0.0.1:1", // never touched here
            // The scheduler is composed but never started (the host is not run): approval stores the expansion job, and
            // this bench runs the expander's own code itself, on the clock.
            ["GmTools:Jwt:SigningKey"] = "bench-signing-key-0123456789-0123456789-abcdef",
            ["GmTools:Jwt:Issuer"] = "gmtools-bench",
            ["GmTools:Jwt:Audience"] = "gmtools-bench",
            ["GmTools:Rewards:Campaigns:ChunkSize"] = chunk.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GmToolsDbContext>().Database.MigrateAsync();
        }
        // What the host's start would store: the recurring cancel job that CancelCampaign fires. The scheduler is never
        // started here, so neither it nor the expansion job that approval stores runs; this bench runs both jobs' code.
        var scheduler = app.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        await scheduler.AddJob(JobBuilder.Create<CampaignCancelJob>().WithIdentity(CampaignCancelJob.Key).StoreDurably().Build(), AddJobOptions.Replacing);

        Console.WriteLine(MachineFacts());
        Console.WriteLine($"players {players:N0} on {servers} game servers, chunk {chunk:N0}");

        // Seed: game servers, catalogue, players (binary COPY; doubles as the first baseline).
        await Sql(cs, "INSERT INTO game_servers (game_server_id, display_name, region, credential_hash, registered_at, credential_rotated_at) " +
            $"SELECT 's' || g, 'S' || g, 'bench', '\\x00', now(), now() FROM generate_series(1, {servers}) g");
        await Sql(cs, "INSERT INTO reward_catalogue (item_id, name, kind, unit_value, active, updated_at) VALUES ('gold', 'Gold', 'currency', 1, true, now()), ('gem', 'Gem', 'item', 100, true, now())");
        var sw = Stopwatch.StartNew();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var copy = await conn.BeginBinaryImportAsync(
                "COPY players (player_id, account, game_server_id, character_name, level, vip_points, recharge_total, last_login_at, contact, online, version, synced_at) FROM STDIN (FORMAT BINARY)");
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < players; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync($"p{i:D8}", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"acc{i:D8}", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"s{(i % servers) + 1}", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"Hero{i}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(i % 100, NpgsqlDbType.Integer);
                await copy.WriteAsync(0L, NpgsqlDbType.Bigint);
                await copy.WriteAsync(0L, NpgsqlDbType.Bigint);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync("", NpgsqlDbType.Varchar);
                await copy.WriteAsync(false, NpgsqlDbType.Boolean);
                await copy.WriteAsync(1L, NpgsqlDbType.Bigint);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        var seed = sw.Elapsed;
        await Sql(cs, "VACUUM ANALYZE players");
        Report($"baseline: COPY {players:N0} player rows (players table, its 3 indexes)", seed, players);

        // Baselines shaped like the expansion's own writes: the outbox table with its indexes, no Rewards logic.
        var prefix = new GameCommand { MailReward = new MailReward { GrantId = "campaign:0", Title = "Sorry", Body = "Compensation", Lines = { new RewardLine { ItemId = "gold", Count = 50 } } } }.ToByteArray();
        await Sql(cs, "CREATE TABLE bench_outbox (LIKE gamelink_outbox INCLUDING ALL)");
        sw.Restart();
        await Sql(cs, "INSERT INTO bench_outbox (game_server_id, kind, body, correlation_id, created_at, attempts) " +
            "SELECT game_server_id, 'mail_reward', @prefix, 'campaign:0:' || player_id, now(), 0 FROM players", ("prefix", prefix));
        Report($"baseline: INSERT ... SELECT {players:N0} outbox rows (one statement, outbox indexes)", sw.Elapsed, players);
        await Sql(cs, "TRUNCATE bench_outbox");
        sw.Restart();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var copy = await conn.BeginBinaryImportAsync("COPY bench_outbox (game_server_id, kind, body, correlation_id, created_at, attempts) FROM STDIN (FORMAT BINARY)");
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < players; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync($"s{(i % servers) + 1}", NpgsqlDbType.Varchar);
                await copy.WriteAsync("mail_reward", NpgsqlDbType.Varchar);
                await copy.WriteAsync(prefix, NpgsqlDbType.Bytea);
                await copy.WriteAsync($"campaign:0:p{i:D8}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        Report($"baseline: COPY {players:N0} outbox rows (outbox indexes)", sw.Elapsed, players);
        await Sql(cs, "DROP TABLE bench_outbox");
        await Sql(cs, "CHECKPOINT");

        // The campaign itself: created and approved through the Rewards code, expanded by the job's own code.
        long campaignId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var request = scope.ServiceProvider.GetRequiredService<RequestContext>();
            var desk = scope.ServiceProvider.GetRequiredService<CampaignDesk>();
            request.Caller = new Caller("bench-creator", CallerKind.Staff, [Role.Supervisor], []);
            var create = new CampaignOrder([new Line("gold", 50), new Line("gem", 1)], CampaignTarget.GameServers(Enumerable.Range(1, servers).Select(g => $"s{g}")),
                "bench", "", "Sorry", "Compensation");
            var campaign = await desk.CreateAsync(create, CancellationToken.None);
            campaignId = campaign.CampaignId;
            await desk.SubmitAsync(campaignId, CancellationToken.None);
            sw.Restart();
            var preview = await desk.PreviewAsync(campaignId, CancellationToken.None);
            Report($"PreviewCampaign: {preview.Total:N0} recipients, value {preview.TotalValue:N0}", sw.Elapsed, null);
            request.Caller = new Caller("bench-approver", CallerKind.Staff, [Role.Supervisor], []);
        }
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<RequestContext>().Caller = new Caller("bench-approver", CallerKind.Staff, [Role.Supervisor], []);
            await scope.ServiceProvider.GetRequiredService<CampaignDesk>().ApproveAsync(campaignId, "bench", CancellationToken.None);
        }
        sw.Restart();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<CampaignExpander>().ExpandAsync(campaignId, CancellationToken.None);
            if (outcome != ExpansionOutcome.Finished)
            {
                throw new InvalidOperationException($"expansion ended {outcome}");
            }
        }
        var expand = sw.Elapsed;
        Report($"campaign expansion: {players:N0} recipients + {players:N0} outbox rows, chunks of {chunk:N0} (target <= 60 s)", expand, players);

        var recipients = await Scalar(cs, "SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id", ("id", campaignId));
        var mail = await Scalar(cs, "SELECT count(*) FROM gamelink_outbox WHERE kind = 'mail_reward'");
        var doubles = await Scalar(cs, "SELECT count(*) FROM (SELECT correlation_id FROM gamelink_outbox GROUP BY correlation_id HAVING count(*) > 1) d");
        Console.WriteLine($"check: recipients {recipients:N0}, outbox rows {mail:N0}, duplicated correlation ids {doubles}");
        // GetCampaign and CancelCampaign at this size, as the RPCs run them (the desk methods behind them). Acks are stood in
        // for by one UPDATE settling the first 10 % of the mail as applied (the counters' trigger fires as it does for acks).
        var applied = players / 10;
        await Sql(cs, "UPDATE gamelink_outbox SET outcome = 'applied', acked_at = now() WHERE command_id IN " +
            "(SELECT command_id FROM gamelink_outbox WHERE kind = 'mail_reward' ORDER BY command_id LIMIT @n)", ("n", applied));
        await Sql(cs, "VACUUM ANALYZE gamelink_outbox");
        var beforeCancel = await TimedAsync(50, async scope => { await Desk(scope).ViewAsync(campaignId, CancellationToken.None); });
        var view = await WithDeskAsync(d => d.ViewAsync(campaignId, CancellationToken.None));
        Console.WriteLine($"GetCampaign over {view.Campaign.ExpandedCount:N0} recipients (delivered {view.Progress.Delivered:N0}), 50 calls: {beforeCancel}");
        sw.Restart();
        await WithDeskAsync(d => d.CancelAsync(new CancelCampaignOrder(campaignId, "bench", ClawBackDelivered: true), CancellationToken.None));
        Console.WriteLine($"CancelCampaign request over {players:N0} recipients (stops expansion, hands the withdrawal to the background): {sw.Elapsed.TotalMilliseconds:F1} ms");
        var duringCancel = "";
        sw.Restart();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var canceller = scope.ServiceProvider.GetRequiredService<CampaignCanceller>();
            var chunks = 0;
            var timing = new List<double>();
            while (!await canceller.CancelChunkAsync(campaignId, 5_000, CancellationToken.None))
            {
                if (++chunks % 20 == 0)
                {
                    // GetCampaign while the background cancel runs: still a few rows, whatever has been withdrawn so far.
                    var one = Stopwatch.StartNew();
                    await WithDeskAsync(d => d.ViewAsync(campaignId, CancellationToken.None));
                    timing.Add(one.Elapsed.TotalMilliseconds);
                }
            }
            duringCancel = timing.Count == 0 ? "" : $"; GetCampaign during it: p50 {Percentile(timing, 0.5):F1} ms, max {timing.Max():F1} ms ({timing.Count} calls)";
        }
        Report($"background cancel (CampaignCanceller, chunks of 5,000: {players - applied:N0} cancelled, {applied:N0} claw-backs queued)", sw.Elapsed, players);
        Console.WriteLine(duringCancel.TrimStart(';', ' '));
        var afterCancel = await TimedAsync(50, async scope => { await Desk(scope).ViewAsync(campaignId, CancellationToken.None); });
        view = await WithDeskAsync(d => d.ViewAsync(campaignId, CancellationToken.None));
        Console.WriteLine($"GetCampaign after the cancel (delivered {view.Progress.Delivered:N0}, cancelled {view.Progress.Cancelled:N0}, withdrawn {view.Campaign.Withdrawn:N0}), 50 calls: {afterCancel}");
        var clawBacks = await Scalar(cs, "SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back'");
        Console.WriteLine($"check: claw-backs queued {clawBacks:N0} (expected {applied:N0}), cancelled {view.Progress.Cancelled:N0} (expected {players - applied:N0})");
        var cancelOk = clawBacks == applied && view.Progress.Cancelled == players - applied && view.Progress.Delivered == applied;
        await app.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (!settings.Keep)
        {
            await Sql(admin, $"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
        }
        return recipients == players && mail == players && doubles == 0 && cancelOk ? 0 : 1;

        CampaignDesk Desk(AsyncServiceScope scope)
        {
            scope.ServiceProvider.GetRequiredService<RequestContext>().Caller = new Caller("bench-approver", CallerKind.Staff, [Role.Supervisor], []);
            return scope.ServiceProvider.GetRequiredService<CampaignDesk>();
        }

        async Task<T> WithDeskAsync<T>(Func<CampaignDesk, Task<T>> call)
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await call(Desk(scope));
        }

        async Task<string> TimedAsync(int calls, Func<AsyncServiceScope, Task> call)
        {
            var ms = new List<double>();
            for (var i = 0; i < calls; i++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var one = Stopwatch.StartNew();
                await call(scope);
                ms.Add(one.Elapsed.TotalMilliseconds);
            }
            return $"p50 {Percentile(ms, 0.5):F1} ms, p99 {Percentile(ms, 0.99):F1} ms, max {ms.Max():F1} ms";
        }

        static double Percentile(List<double> values, double p)
        {
            var sorted = values.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        }

        static void Report(string what, TimeSpan elapsed, int? rows) =>
            Console.WriteLine(rows is { } n
                ? $"{what}: {elapsed.TotalSeconds:F1} s ({n / elapsed.TotalSeconds:N0} rows/s)"
                : $"{what}: {elapsed.TotalMilliseconds:F0} ms");

        static async Task Sql(string cs, string sql, params (string, object)[] parameters)
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }
            await cmd.ExecuteNonQueryAsync();
        }

        static async Task<long> Scalar(string cs, string sql, params (string, object)[] parameters)
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        static string MachineFacts()
        {
            var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            var mem = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            return $"machine: nproc {Environment.ProcessorCount}, {cpu}, MemTotal {mem}";
        }
    }
}
