using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace GmTools.Server.Tests.Foundation;

public sealed class HostTests
{
    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_create_the_quartz_tables()
    {
        var cs = await TestDatabase.CreateAsync("emptymigrate", fromTemplate: false);
        await TestDatabase.MigrateAsync(cs);
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('qrtz_triggers','qrtz_locks','qrtz_scheduler_state','audit_records','game_servers')", conn);
        Assert.Equal(5L, await cmd.ExecuteScalarAsync());
        await using var head = new NpgsqlCommand("SELECT last_sequence FROM audit_chain_head WHERE id = 1", conn);
        Assert.Equal(0L, await head.ExecuteScalarAsync());
    }

    [Fact]
    public void A_missing_connection_string_stops_the_host_with_a_message_that_names_it()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            GmToolsHost.Build(["--ConnectionStrings:Postgres=", "--ConnectionStrings:Redis=127.0.0.1:1"]));
        Assert.Contains("ConnectionStrings:Postgres", ex.Message, StringComparison.Ordinal);

        var redis = Assert.Throws<InvalidOperationException>(() =>
            GmToolsHost.Build(["--ConnectionStrings:Postgres=Host=127.0.0.1", "--ConnectionStrings:Redis="]));
        Assert.Contains("ConnectionStrings:Redis", redis.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_not_serving_while_postgres_is_down_and_serving_once_it_is_back()
    {
        await using var pg = await PrivatePostgres.StartAsync();
        await using (var admin = new NpgsqlConnection(pg.ConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE gm", admin);
            await create.ExecuteNonQueryAsync();
        }
        var cs = pg.ConnectionString("gm");
        await TestDatabase.MigrateAsync(cs);
        await using var server = new GmToolsFactory(cs, $"h{Guid.NewGuid():N}:", new FakeTimeProvider(), new Dictionary<string, string?>
        {
            // A scheduler polling a stopped database would only add noise to this test.
            ["GmTools:Quartz:Enabled"] = "false",
        });
        var health = new Health.HealthClient(server.Channel());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        await pg.StopAsync();
        var down = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, down.Status);

        await pg.StartAgainAsync();
        var status = HealthCheckResponse.Types.ServingStatus.Unknown;
        // The pool needs a moment to replace its dead connections; this waits on the database, not on a clock.
        for (var attempt = 0; attempt < 20 && status != HealthCheckResponse.Types.ServingStatus.Serving; attempt++)
        {
            status = (await health.CheckAsync(new HealthCheckRequest())).Status;
            if (status != HealthCheckResponse.Types.ServingStatus.Serving)
            {
                await Task.Delay(250);
            }
        }
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
    }

    [Fact]
    public async Task Health_needs_no_token()
    {
        var fx = new ServerFixture();
        await fx.InitializeAsync();
        try
        {
            var reply = await new Health.HealthClient(fx.Channel()).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }
        catch (RpcException ex)
        {
            Assert.Fail($"health refused: {ex.Status}");
        }
        finally
        {
            await fx.DisposeAsync();
        }
    }
}
