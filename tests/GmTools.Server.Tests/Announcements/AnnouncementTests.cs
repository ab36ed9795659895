using GmTools.Contracts.V1;
using GmTools.Server.Announcements;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using static GmTools.Server.Tests.Announcements.AnnouncementsKit;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Announcements;

/// <summary>No Quartz in these replicas: the tests fire due announcements themselves, on the fake clock.</summary>
public class AnnouncementFixture : ServerFixture
{
    public static readonly string[] Servers = ["a1", "a2", "a3"];

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Announcements:ApprovalAboveServers"] = "2",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var gs in Servers)
        {
            await GameServerCredentialAsync(gs);
        }
    }
}

public sealed class AnnouncementTests(AnnouncementFixture fx) : IClassFixture<AnnouncementFixture>
{
    private AnnouncementService.AnnouncementServiceClient Staff(string user, Role role = Role.Gm) => fx.Staff(user, role);

    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private Task<long> PublishAsync(AnnouncementSpec spec) => fx.PublishAsync(spec);

    private async Task AdvanceAndFireAsync(TimeSpan by)
    {
        fx.Clock.Advance(by);
        await FireAsync(fx.Server);
    }

    private Task<List<(string Server, double Minutes)>> ShowsAsync(long id, DateTimeOffset t0) => fx.ShowsAsync(id, t0);

    private Task<List<double>> FireMinutesAsync(long id, DateTimeOffset t0) => fx.FireMinutesAsync(id, t0);

    [Fact]
    public async Task A_repeating_announcement_fires_every_interval_and_stops_at_its_end_with_receipts()
    {
        var t0 = Now.AddMinutes(1);
        var id = await PublishAsync(Spec(t0, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "a1", "a2"));
        await FireAsync(fx.Server);
        Assert.Empty(await ShowsAsync(id, t0)); // not started yet
        for (var i = 0; i < 8; i++)
        {
            await AdvanceAndFireAsync(TimeSpan.FromMinutes(5));
        }
        Assert.Equal([0, 10, 20], await FireMinutesAsync(id, t0));
        Assert.Equal(6, (await ShowsAsync(id, t0)).Count); // each occurrence once per target server

        // A simulated game server acknowledges on a1 only.
        // Acknowledged more than the purge age ago, so the purge moves the shows to the settled history; the
        // receipts read the same before and after.
        await fx.ScalarAsync("UPDATE gamelink_outbox SET outcome = 'applied', acked_at = @at WHERE game_server_id = 'a1' AND correlation_id LIKE @p",
            ("at", Now.AddDays(-8)), ("p", AnnouncementCommands.Prefix(id) + "@%"));
        for (var pass = 0; pass < 2; pass++)
        {
            var receipts = (await Staff("gina").ListAnnouncementReceiptsAsync(new ListAnnouncementReceiptsRequest { AnnouncementId = id })).Receipts;
            Assert.Equal(3, receipts.Count);
            Assert.All(receipts, r =>
            {
                Assert.Equal((2, 1), (r.Targets, r.Acknowledged));
                Assert.Equal(["a2"], r.NotAcknowledgedGameServerIds);
            });
            if (pass == 0)
            {
                Assert.True(await fx.Server.Services.GetRequiredService<GmTools.Server.GameLink.OutboxPurge>().PurgeAsync(CancellationToken.None) >= 3);
                Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE game_server_id = 'a1' AND correlation_id LIKE @p", ("p", AnnouncementCommands.Prefix(id) + "@%")));
            }
        }
        var got = (await Staff("gina").GetAnnouncementAsync(new GetAnnouncementRequest { AnnouncementId = id })).Announcement;
        Assert.Equal(AnnouncementState.Ended, got.State);
        Assert.Null(got.NextFireAt);
    }

    [Fact]
    public async Task A_countdown_fires_at_each_offset_and_moves_when_the_maintenance_time_moves()
    {
        var t0 = Now;
        var maintenance = t0.AddMinutes(90);
        var spec = CountdownSpec(t0, maintenance, "a1");
        var id = await PublishAsync(spec);
        await AdvanceAndFireAsync(TimeSpan.FromMinutes(30)); // 60 left
        Assert.Equal([30], await FireMinutesAsync(id, t0));

        // Maintenance moves 20 minutes later: every step moves with it (60 left again at 50, 30 left at 80).
        spec.Countdown.MaintenanceAt = Timestamp.FromDateTimeOffset(maintenance.AddMinutes(20));
        spec.End = Timestamp.FromDateTimeOffset(maintenance.AddMinutes(60));
        var edited = await Staff("gina").EditAnnouncementAsync(new EditAnnouncementRequest { AnnouncementId = id, Spec = spec, Reason = "patch late" });
        Assert.Equal(Timestamp.FromDateTimeOffset(t0.AddMinutes(50)), edited.Announcement.NextFireAt);
        for (var i = 0; i < 90; i++)
        {
            await AdvanceAndFireAsync(TimeSpan.FromMinutes(1));
        }
        Assert.Equal([30, 50, 80, 100, 105, 109, 110], await FireMinutesAsync(id, t0));
        var commands = await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p AND kind = 'show_announcement'", ("p", AnnouncementCommands.Prefix(id) + "@%"));
        Assert.Equal(7, commands);
        var fiveLeft = await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id = @c", ("c", AnnouncementCommands.Correlation(id, t0.AddMinutes(105))));
        Assert.Equal(1, fiveLeft);
    }

    [Fact]
    public async Task Editing_the_interval_changes_the_next_fires()
    {
        var t0 = Now;
        var spec = Spec(t0, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(20), "a2");
        var id = await PublishAsync(spec);
        await AdvanceAndFireAsync(TimeSpan.FromSeconds(1));
        await AdvanceAndFireAsync(TimeSpan.FromMinutes(21)); // fires at 20
        spec.RepeatInterval = Duration.FromTimeSpan(TimeSpan.FromMinutes(15));
        var edited = await Staff("gina").EditAnnouncementAsync(new EditAnnouncementRequest { AnnouncementId = id, Spec = spec });
        Assert.Equal(Timestamp.FromDateTimeOffset(t0.AddMinutes(30)), edited.Announcement.NextFireAt);
        for (var i = 0; i < 8; i++)
        {
            await AdvanceAndFireAsync(TimeSpan.FromMinutes(5));
        }
        Assert.Equal([0, 20, 30, 45], await FireMinutesAsync(id, t0));
    }

    [Fact]
    public async Task Cancelling_stops_the_fires_and_withdraws_it_where_it_was_shown()
    {
        var t0 = Now;
        var id = await PublishAsync(Spec(t0, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(10), "a1", "a3"));
        await AdvanceAndFireAsync(TimeSpan.FromSeconds(1));
        var cancelled = await Staff("gina").CancelAnnouncementAsync(new CancelAnnouncementRequest { AnnouncementId = id, Reason = "wrong date" });
        Assert.Equal(AnnouncementState.Cancelled, cancelled.Announcement.State);
        Assert.Equal(["a1", "a3"], cancelled.WithdrawnGameServerIds);
        Assert.Equal(2, await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'cancel_announcement' AND correlation_id = @c", ("c", AnnouncementCommands.Prefix(id) + ":withdraw")));
        for (var i = 0; i < 4; i++)
        {
            await AdvanceAndFireAsync(TimeSpan.FromMinutes(10));
        }
        Assert.Equal([0], await FireMinutesAsync(id, t0));
    }

    [Fact]
    public async Task Two_replicas_firing_at_once_deliver_each_occurrence_once_per_server()
    {
        var t0 = Now;
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await PublishAsync(Spec(t0, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), "a1", "a2")));
        }
        var other = fx.AddReplica();
        for (var step = 0; step < 4; step++)
        {
            fx.Clock.Advance(TimeSpan.FromMinutes(step == 0 ? 0 : 5));
            await Task.WhenAll(FireAsync(fx.Server), FireAsync(other), FireAsync(fx.Server), FireAsync(other));
        }
        foreach (var id in ids)
        {
            var shows = await ShowsAsync(id, t0);
            Assert.Equal(8, shows.Count);
            Assert.Equal(8, shows.Distinct().Count());
        }
    }

    [Fact]
    public async Task A_replica_stopped_during_a_fire_loses_nothing()
    {
        var t0 = Now;
        var id = await PublishAsync(Spec(t0, TimeSpan.FromMinutes(30), null, "a1", "a2", "a3").With(s => s.Targets.GameServerIds.RemoveAt(2)));
        // Slow down this occurrence's insert so the replica is stopped in the middle of its transaction.
        await fx.ScalarAsync($"""
            CREATE OR REPLACE FUNCTION test_slow_occurrence() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.announcement_id = {id} THEN PERFORM pg_sleep(3); END IF; RETURN NEW; END $$;
            CREATE TRIGGER test_slow_occurrence BEFORE INSERT ON announcement_occurrences FOR EACH ROW EXECUTE FUNCTION test_slow_occurrence();
            SELECT 0
            """);
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await Assert.ThrowsAnyAsync<Exception>(() => FireAsync(fx.Server, stop.Token));
        }
        finally
        {
            await fx.ScalarAsync("DROP TRIGGER test_slow_occurrence ON announcement_occurrences; SELECT 0");
        }
        Assert.Empty(await ShowsAsync(id, t0));
        var other = fx.AddReplica();
        await FireAsync(other);
        Assert.Equal([("a1", 0.0), ("a2", 0.0)], await ShowsAsync(id, t0));
    }

    [Fact]
    public async Task With_every_replica_down_a_missed_fire_is_delivered_late_once_inside_the_window_and_skipped_outside()
    {
        var t0 = Now;
        var repeat = await PublishAsync(Spec(t0, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(15), "a3"));
        var maintenance = t0.AddMinutes(70);
        var countdown = await PublishAsync(CountdownSpec(t0, maintenance, "a3"));
        await AdvanceAndFireAsync(TimeSpan.FromMinutes(11)); // repeat at 0 and countdown's 60 fire on time
        // Every replica is down from 11 to 38.
        fx.Clock.Advance(TimeSpan.FromMinutes(27));
        await FireAsync(fx.Server);
        await FireAsync(fx.Server);
        Assert.Equal([0, 30], await FireMinutesAsync(repeat, t0)); // 15 is not resent; 30 delivered late, once
        Assert.Equal([10], await FireMinutesAsync(countdown, t0)); // the 30-left step (at 40)... not yet
        fx.Clock.Advance(TimeSpan.FromMinutes(20)); // down again across 40 (30 left) to 58
        await FireAsync(fx.Server);
        Assert.Equal([10], await FireMinutesAsync(countdown, t0)); // 30-left step skipped: its moment passed
        var receipts = (await Staff("gina").ListAnnouncementReceiptsAsync(new ListAnnouncementReceiptsRequest { AnnouncementId = countdown })).Receipts;
        Assert.Contains(receipts, r => r.Outcome == OccurrenceOutcomes.Skipped && r.OccursAt == Timestamp.FromDateTimeOffset(t0.AddMinutes(40)));
        await AdvanceAndFireAsync(TimeSpan.FromMinutes(2)); // 60: the 10-left step on time
        Assert.Equal([10, 60], await FireMinutesAsync(countdown, t0));
        // Down past the repeat's end: nothing more from it.
        fx.Clock.Advance(TimeSpan.FromMinutes(30));
        await FireAsync(fx.Server);
        Assert.Equal([0, 30, 45], await FireMinutesAsync(repeat, t0));
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_writes_nothing()
    {
        var before = await fx.ScalarAsync("SELECT (SELECT count(*) FROM announcements) + (SELECT count(*) FROM audit_records WHERE action LIKE 'announcement.%')");
        var gm = Staff("gina");
        var t0 = Now.AddMinutes(5);
        async Task Refused(AnnouncementSpec spec, string field)
        {
            var ex = await SanctionsKit.RefusedAsync(async () => await gm.CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = spec, Publish = true }), StatusCode.InvalidArgument);
            Assert.Contains(field, ex.Fields());
        }
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), null, "a1").With(s => s.End = Timestamp.FromDateTimeOffset(t0.AddMinutes(-1))), "spec.end");
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10), "a1"), "spec.repeat_interval");
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), null, "a1").With(s => s.Texts.Clear()), "spec.texts");
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), null, "a1").With(s => s.Texts[1].Text = new string('x', AnnouncementLimits.Text + 1)), "spec.texts[1].text");
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), null, "a1").With(s => s.Texts[1].Text = "in {minutes} minutes"), "spec.texts[1].text");
        await Refused(CountdownSpec(t0, t0.AddMinutes(90), "a1").With(s => s.Texts[1].Text = "in {hours} hours"), "spec.texts[1].text");
        await Refused(Spec(t0, TimeSpan.FromMinutes(10), null, "a1", "nope"), "spec.targets.game_server_ids[1]");
        await Refused(CountdownSpec(t0, t0.AddMinutes(90), "a1").With(s => s.Countdown.OffsetsMinutes.Clear()), "spec.countdown.offsets_minutes");
        await Refused(CountdownSpec(t0, t0.AddMinutes(90), "a1").With(s => s.Countdown.OffsetsMinutes[1] = 90), "spec.countdown.offsets_minutes");
        await Refused(CountdownSpec(t0, t0.AddMinutes(30), "a1"), "spec.countdown.offsets_minutes"); // 60 minutes before lies before start

        // Out of scope looks exactly like unknown.
        var scoped = new AnnouncementService.AnnouncementServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sam", ["a1"], Role.Gm)));
        var ex = await SanctionsKit.RefusedAsync(async () => await scoped.CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = Spec(t0, TimeSpan.FromMinutes(10), null, "a2"), Publish = true }), StatusCode.InvalidArgument);
        Assert.Equal(["spec.targets.game_server_ids[0]"], ex.Fields());
        Assert.Equal(before, await fx.ScalarAsync("SELECT (SELECT count(*) FROM announcements) + (SELECT count(*) FROM audit_records WHERE action LIKE 'announcement.%')"));
    }

    [Fact]
    public async Task Agents_draft_gms_publish_and_all_servers_needs_someone_else_to_approve()
    {
        var t0 = Now.AddMinutes(5);
        var agent = Staff("amy", Role.Agent);
        await SanctionsKit.RefusedAsync(async () => await agent.CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = Spec(t0, TimeSpan.FromMinutes(10), null, "a1"), Publish = true }), StatusCode.PermissionDenied);
        var draft = (await agent.CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = Spec(t0, TimeSpan.FromMinutes(10), null, "a1") })).Announcement;
        Assert.Equal(AnnouncementState.Draft, draft.State);
        Assert.Null(draft.NextFireAt);
        var published = (await Staff("gina").PublishAnnouncementAsync(new PublishAnnouncementRequest { AnnouncementId = draft.AnnouncementId })).Announcement;
        Assert.Equal(AnnouncementState.Scheduled, published.State);

        var all = Spec(t0, TimeSpan.FromMinutes(10), null);
        all.Targets = new AnnouncementTargets { AllServers = true };
        var preview = await Staff("gina").PreviewAnnouncementAsync(new PreviewAnnouncementRequest { Spec = all });
        Assert.True(preview.NeedsApproval);
        Assert.Superset(AnnouncementFixture.Servers.ToHashSet(), preview.GameServerIds.ToHashSet());
        var pending = (await Staff("gina").CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = all, Publish = true })).Announcement;
        Assert.Equal(AnnouncementState.PendingApproval, pending.State);
        await SanctionsKit.RefusedAsync(async () => await Staff("gina", Role.Supervisor).ApproveAnnouncementAsync(new ApproveAnnouncementRequest { AnnouncementId = pending.AnnouncementId }), StatusCode.PermissionDenied);
        var approved = (await Staff("sue", Role.Supervisor).ApproveAnnouncementAsync(new ApproveAnnouncementRequest { AnnouncementId = pending.AnnouncementId, Reason = "ok" })).Announcement;
        Assert.Equal(AnnouncementState.Scheduled, approved.State);
        Assert.Equal("sue", approved.Approver);

        // A game server lists what is active for it, in its locale, falling back to the default.
        fx.Clock.Advance(TimeSpan.FromMinutes(6));
        var a1 = new AnnouncementService.AnnouncementServiceClient(fx.Channel(await fx.GameServerCredentialAsync("a1")));
        var active = (await a1.ListActiveAnnouncementsAsync(new ListActiveAnnouncementsRequest { GameServerId = "a1", Locale = "zh-CN" })).Announcements;
        Assert.Contains(active, x => x.AnnouncementId == approved.AnnouncementId && x.Text == "双倍经验活动进行中");
        var fr = (await a1.ListActiveAnnouncementsAsync(new ListActiveAnnouncementsRequest { GameServerId = "a1", Locale = "fr" })).Announcements;
        Assert.Contains(fr, x => x.AnnouncementId == approved.AnnouncementId && x.Locale == "en" && x.Text == "Double XP is on");
        await SanctionsKit.RefusedAsync(async () => await a1.ListActiveAnnouncementsAsync(new ListActiveAnnouncementsRequest { GameServerId = "a2" }), StatusCode.PermissionDenied);
    }
}
