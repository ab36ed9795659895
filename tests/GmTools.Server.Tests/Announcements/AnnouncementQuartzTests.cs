using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Tests.GameLink;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;
using static GmTools.Server.Tests.Announcements.AnnouncementsKit;

namespace GmTools.Server.Tests.Announcements;

/// <summary>
/// The first replica runs no scheduler (it publishes and reads); the tests add replicas that run the real clustered
/// Quartz job "announcement-fires" every second of real time. Business time is the fake clock the job's
/// dispatcher reads, so the tests still decide when a fire is due.
/// </summary>
public sealed class AnnouncementQuartzFixture : AnnouncementFixture
{
    public static readonly Dictionary<string, string?> WithScheduler = new() { ["GmTools:Quartz:Enabled"] = "true" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:Announcements:PollInterval"] = "00:00:01",
        ["GmTools:Quartz:ClusterCheckinInterval"] = "00:00:02",
    };
}

public sealed class AnnouncementQuartzTests(AnnouncementQuartzFixture fx) : IClassFixture<AnnouncementQuartzFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>A day later than the last test: whatever it published has ended.</summary>
    private DateTimeOffset NextDay()
    {
        fx.Clock.Advance(TimeSpan.FromDays(1));
        return fx.Clock.GetUtcNow();
    }

    private Task<long> OccurrencesAsync(long[] ids) =>
        fx.ScalarAsync("SELECT count(*) FROM announcement_occurrences WHERE announcement_id = ANY(@ids)", ("ids", ids));

    [Fact]
    public async Task Two_replicas_running_the_clustered_job_deliver_each_occurrence_exactly_once_per_server()
    {
        var a = fx.AddReplica(AnnouncementQuartzFixture.WithScheduler);
        var b = fx.AddReplica(AnnouncementQuartzFixture.WithScheduler);
        _ = a.Server;
        _ = b.Server;
        try
        {
            var t0 = NextDay();
            var ids = new long[4];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = await fx.PublishAsync(Spec(t0, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(5), "a1", "a2"));
            }
            for (var step = 1; step <= 4; step++)
            {
                await GameLinkTestKit.PollAsync(async () => await OccurrencesAsync(ids) == ids.Length * step, $"the job to fire occurrence {step}", Patience);
                fx.Clock.Advance(TimeSpan.FromMinutes(5));
            }
            // The window (20 minutes) is over: a few more runs of the job add nothing.
            var runsBefore = await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'announcement.fire'");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(ids.Length * 4, await OccurrencesAsync(ids));
            Assert.Equal(runsBefore, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'announcement.fire'"));
            foreach (var id in ids)
            {
                var shows = await fx.ShowsAsync(id, t0);
                Assert.Equal([("a1", 0.0), ("a2", 0.0), ("a1", 5.0), ("a2", 5.0), ("a1", 10.0), ("a2", 10.0), ("a1", 15.0), ("a2", 15.0)],
                    shows.OrderBy(s => s.Minutes).ThenBy(s => s.Server, StringComparer.Ordinal));
            }
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_replica_stopped_while_its_job_is_firing_loses_nothing_and_the_other_replica_fires_it_once()
    {
        var t0 = NextDay();
        var a = fx.AddReplica(AnnouncementQuartzFixture.WithScheduler);
        var b = fx.AddReplica(AnnouncementQuartzFixture.WithScheduler);
        _ = a.Server;
        _ = b.Server;
        GmToolsFactory? survivor = null;
        // The test holds an advisory lock that this announcement's occurrence insert waits for: whichever replica's
        // job fires it is caught in the middle of its transaction.
        await using var gate = new NpgsqlConnection(fx.Postgres);
        await gate.OpenAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(7715)", gate))
        {
            await hold.ExecuteNonQueryAsync();
        }
        try
        {
            var id = await fx.PublishAsync(Spec(t0, TimeSpan.FromMinutes(30), null, "a1", "a2").With(s => s.Start = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(t0.AddMinutes(1))));
            await fx.ScalarAsync($"""
                CREATE OR REPLACE FUNCTION test_gate_occurrence() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.announcement_id = {id} THEN PERFORM pg_advisory_xact_lock(7715); END IF; RETURN NEW; END $$;
                CREATE TRIGGER test_gate_occurrence BEFORE INSERT ON announcement_occurrences FOR EACH ROW EXECUTE FUNCTION test_gate_occurrence();
                SELECT 0
                """);
            fx.Clock.Advance(TimeSpan.FromMinutes(1));
            await GameLinkTestKit.PollAsync(async () => await fx.ScalarAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1, "a job to be caught mid-fire", Patience);
            var firing = await fx.ScalarTextAsync("SELECT instance_name FROM qrtz_fired_triggers WHERE trigger_name = 'announcement-fires' AND state = 'EXECUTING'");
            var (victim, other) = InstanceId(a) == firing ? (a, b) : (b, a);
            Assert.Equal(firing, InstanceId(victim));
            survivor = other;

            // The replica is stopped under its job; its connections go with it (the blocked one is cut, as a dying
            // process's would be, should the shutdown wait for the job).
            var stopping = victim.DisposeAsync().AsTask();
            if (await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(2))) != stopping)
            {
                await fx.ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
            }
            await stopping.WaitAsync(Patience);
            Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM announcement_occurrences WHERE announcement_id = @id", ("id", id)));
            Assert.Empty(await fx.ShowsAsync(id, t0));

            await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(7715)", gate))
            {
                await release.ExecuteNonQueryAsync();
            }
            await GameLinkTestKit.PollAsync(async () => await fx.ScalarAsync("SELECT count(*) FROM announcement_occurrences WHERE announcement_id = @id", ("id", id)) == 1, "the surviving replica to fire it", Patience);
            await Task.Delay(TimeSpan.FromSeconds(2)); // a second delivery, if any, would come with the next runs
            Assert.Equal([("a1", 1.0), ("a2", 1.0)], await fx.ShowsAsync(id, t0));
            Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'announcement.fire' AND target_id = @id", ("id", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        finally
        {
            await fx.ScalarAsync("DROP TRIGGER IF EXISTS test_gate_occurrence ON announcement_occurrences; SELECT 0");
            if (survivor is not null)
            {
                await survivor.DisposeAsync();
            }
            else
            {
                await a.DisposeAsync();
                await b.DisposeAsync();
            }
        }
    }

    private static string InstanceId(GmToolsFactory replica) =>
        replica.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName).SchedulerInstanceId;
}
