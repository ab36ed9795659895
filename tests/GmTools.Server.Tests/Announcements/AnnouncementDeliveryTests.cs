using System.Collections.Concurrent;
using GmTools.Contracts.V1;
using GmTools.Server.Announcements;
using GmTools.Server.Tests.GameLink;
using GmTools.Simulator;
using Google.Protobuf.WellKnownTypes;
using static GmTools.Server.Tests.Announcements.AnnouncementsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Announcements;

/// <summary>
/// Announcements reaching simulated game servers over real GameLink streams (the fixture's own database, so no other
/// test's announcements are active here). The clock stands still while streams are open: GameLink's heartbeats and
/// silence checks run on it.
/// </summary>
public sealed class AnnouncementDeliveryTests(AnnouncementFixture fx) : IClassFixture<AnnouncementFixture>
{
    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A day later than the last test: whatever it published has ended, and no stream is open to notice the jump.</summary>
    private DateTimeOffset NextDay()
    {
        fx.Clock.Advance(TimeSpan.FromDays(1));
        return fx.Clock.GetUtcNow();
    }

    /// <summary>A simulated game server that records the announcement commands it applies (first arrivals only).</summary>
    private sealed class Screen
    {
        public Screen(SimulatedGameServer sim)
        {
            Sim = sim;
            sim.CommandReceived += (c, first) =>
            {
                if (first && c.BodyCase is GameCommand.BodyOneofCase.ShowAnnouncement or GameCommand.BodyOneofCase.CancelAnnouncement)
                {
                    Commands.Enqueue(c);
                }
            };
        }

        public SimulatedGameServer Sim { get; }

        public ConcurrentQueue<GameCommand> Commands { get; } = new();

        public List<ShowAnnouncement> Shows(long id) =>
            [.. Commands.Where(c => c.ShowAnnouncement?.AnnouncementId == Id(id)).Select(c => c.ShowAnnouncement)];

        public bool Withdrawn(long id) =>
            Commands.Any(c => c.CancelAnnouncement?.AnnouncementId == Id(id));
    }

    private async Task<Screen> ScreenAsync(string gameServerId, bool withholdAcks = false) =>
        new(GameLinkTestKit.Sim(fx.Server, gameServerId, await fx.GameServerCredentialAsync(gameServerId),
            new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10), WithholdAcks = withholdAcks }));

    [Fact]
    public async Task A_game_server_that_connects_or_reconnects_after_a_restart_receives_what_is_showing_for_it_now()
    {
        var t0 = NextDay();
        var marquee = await fx.PublishAsync(Spec(t0, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10), "a1", "a2"));
        var elsewhere = await fx.PublishAsync(Spec(t0, TimeSpan.FromHours(1), null, "a3"));
        var later = await fx.PublishAsync(Spec(t0.AddHours(2), TimeSpan.FromHours(1), null, "a1"));
        Assert.Equal(2, await FireAsync(fx.Server)); // the poller's fire at t0: shows pending for a1, a2 and a3

        // a1 connects: the fire's show arrives once (the connect hook adds nothing while a show of that occurrence is
        // pending); nothing of the other server's announcement nor of the one not started yet.
        var first = await ScreenAsync("a1");
        await using (GameLinkTestKit.Start(first.Sim))
        {
            await GameLinkTestKit.EventuallyAsync(() => first.Shows(marquee).Count == 1, "a1 shows the marquee");
            await GameLinkTestKit.PollAsync(async () => await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE game_server_id = 'a1' AND outcome = 'applied' AND correlation_id LIKE @p", ("p", AnnouncementCommands.Prefix(marquee) + "@%")) == 1, "a1 acknowledged it");
        }
        var show = first.Shows(marquee).Single();
        Assert.Equal(DoubleXpZh, show.TextByLocale["zh-CN"]);
        Assert.Equal("marquee", show.DisplayKind);
        Assert.Equal(Timestamp.FromDateTimeOffset(t0), show.OccursAt);
        Assert.All(first.Commands, c => Assert.Equal(Id(marquee), c.ShowAnnouncement?.AnnouncementId));

        // The game server restarts (it forgot what it displayed) and connects again: it is sent the marquee again,
        // the same occurrence, and the receipt counts it once.
        var restarted = await ScreenAsync("a1");
        await using (GameLinkTestKit.Start(restarted.Sim))
        {
            await GameLinkTestKit.EventuallyAsync(() => restarted.Shows(marquee).Count == 1, "the restarted a1 shows the marquee again");
            await GameLinkTestKit.PollAsync(async () => await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE game_server_id = 'a1' AND outcome = 'applied' AND correlation_id LIKE @p", ("p", AnnouncementCommands.Prefix(marquee) + "@%")) == 2, "a1 acknowledged the resend");
        }
        Assert.Equal(Timestamp.FromDateTimeOffset(t0), restarted.Shows(marquee).Single().OccursAt);
        Assert.Equal([("a1", 0.0), ("a1", 0.0), ("a2", 0.0)], await fx.ShowsAsync(marquee, t0));
        var receipt = (await fx.Staff("gina").ListAnnouncementReceiptsAsync(new ListAnnouncementReceiptsRequest { AnnouncementId = marquee })).Receipts.Single();
        Assert.Equal((2, 1), (receipt.Targets, receipt.Acknowledged));
        Assert.Equal(["a2"], receipt.NotAcknowledgedGameServerIds);

        // Between fires the marquee moves from a2 to a3 (a2 is told to withdraw it): a3 gets it when it connects,
        // with what was fired for it, without waiting for the next fire.
        var spec = Spec(t0, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10), "a1", "a3");
        spec.Priority = 7;
        var edited = await fx.Staff("gina").EditAnnouncementAsync(new EditAnnouncementRequest { AnnouncementId = marquee, Spec = spec, Reason = "s3, not s2" });
        Assert.Equal(["a2"], edited.WithdrawnGameServerIds);
        var a3 = await ScreenAsync("a3");
        await using (GameLinkTestKit.Start(a3.Sim))
        {
            await GameLinkTestKit.EventuallyAsync(() => a3.Shows(marquee).Count == 1 && a3.Shows(elsewhere).Count == 1, "a3 shows both");
        }
        Assert.Equal(7, a3.Shows(marquee).Single().Priority);
        Assert.Empty(a3.Shows(later));
    }

    [Fact]
    public async Task A_countdown_step_reaches_a_server_that_connects_mid_step_and_a_cancel_withdraws_it_on_the_open_stream()
    {
        var t0 = NextDay();
        var maintenance = t0.AddMinutes(40);
        var countdown = await fx.PublishAsync(CountdownSpec(t0, maintenance, [30, 10, 5, 1], "a2"));
        fx.Clock.Advance(TimeSpan.FromMinutes(12)); // the "30 minutes left" step (at 10) is showing; no poll has run
        var a2 = await ScreenAsync("a2");
        await using (GameLinkTestKit.Start(a2.Sim))
        {
            await GameLinkTestKit.EventuallyAsync(() => a2.Shows(countdown).Count == 1, "a2 shows the countdown");
            var step = a2.Shows(countdown).Single();
            Assert.Equal("Maintenance in 30 minutes (" + maintenance.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC)", step.TextByLocale["en"]);
            Assert.Equal(Timestamp.FromDateTimeOffset(t0.AddMinutes(10)), step.OccursAt);
            Assert.Equal(Timestamp.FromDateTimeOffset(t0.AddMinutes(30)), step.EndsAt); // until the 10-left step

            var cancelled = await fx.Staff("gina").CancelAnnouncementAsync(new CancelAnnouncementRequest { AnnouncementId = countdown, Reason = "maintenance called off" });
            Assert.Equal(["a2"], cancelled.WithdrawnGameServerIds);
            await GameLinkTestKit.EventuallyAsync(() => a2.Withdrawn(countdown), "a2 withdraws the countdown");
        }
        // Only the connect-time show went out: the poller had not fired the step yet, and after the cancel fires nothing.
        await FireAsync(fx.Server);
        Assert.Equal([("a2", 10.0)], await fx.ShowsAsync(countdown, t0));
    }

    [Fact]
    public async Task Receipts_count_the_acks_of_connected_game_servers_and_name_the_one_that_did_not_answer()
    {
        var t0 = NextDay();
        var screens = new[] { await ScreenAsync("a1"), await ScreenAsync("a2"), await ScreenAsync("a3", withholdAcks: true) };
        var runs = screens.Select(s => GameLinkTestKit.Start(s.Sim)).ToList();
        try
        {
            await GameLinkTestKit.EventuallyAsync(() => screens.All(s => s.Sim.Welcomes > 0), "three streams open");
            // Published while they are connected, so only the poller's fire sends it (nothing is showing at connect).
            var spec = Spec(t0, TimeSpan.FromMinutes(30), null, "a1", "a2", "a3");
            var pending = (await fx.Staff("gina").CreateAnnouncementAsync(new CreateAnnouncementRequest { Spec = spec, Publish = true, IdempotencyKey = Guid.NewGuid().ToString() })).Announcement;
            Assert.Equal(AnnouncementState.PendingApproval, pending.State); // three servers: above the fixture's two
            var id = (await fx.Staff("sue", Role.Supervisor).ApproveAnnouncementAsync(new ApproveAnnouncementRequest { AnnouncementId = pending.AnnouncementId, Reason = "ok" })).Announcement.AnnouncementId;

            Assert.Equal(1, await FireAsync(fx.Server));
            // Pushed on the open streams; a3 shows it but never acknowledges.
            await GameLinkTestKit.EventuallyAsync(() => screens.All(s => s.Shows(id).Count == 1), "all three show it");
            await GameLinkTestKit.PollAsync(async () => await fx.ScalarAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id = @c AND outcome = 'applied'", ("c", AnnouncementCommands.Correlation(id, t0))) == 2, "two acks settled");
            var receipt = (await fx.Staff("gina").ListAnnouncementReceiptsAsync(new ListAnnouncementReceiptsRequest { AnnouncementId = id })).Receipts.Single();
            Assert.Equal(Timestamp.FromDateTimeOffset(t0), receipt.OccursAt);
            Assert.Equal(OccurrenceOutcomes.Delivered, receipt.Outcome);
            Assert.Equal((3, 2), (receipt.Targets, receipt.Acknowledged)); // "reached 2 of 3 servers"
            Assert.Equal(["a3"], receipt.NotAcknowledgedGameServerIds);
        }
        finally
        {
            foreach (var run in runs)
            {
                await run.DisposeAsync();
            }
        }
    }
}
