using GmTools.Server.Announcements;

namespace GmTools.Server.Tests.Announcements;

public sealed class AnnouncementScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private static ScheduleSpec Repeat(int everyMinutes, int forMinutes) => new(T0, T0.AddMinutes(forMinutes), TimeSpan.FromMinutes(everyMinutes), null, []);

    private static ScheduleSpec Countdown(DateTimeOffset maintenance) => new(T0, maintenance.AddMinutes(10), null, maintenance, [60, 30, 10, 5, 1]);

    [Fact]
    public void A_repeat_fires_from_start_every_interval_and_stops_before_end()
    {
        var fires = AnnouncementSchedule.Fires(Repeat(15, 60), T0.AddHours(-1), T0.AddHours(2), 100);
        Assert.Equal([0, 15, 30, 45], fires.Select(f => (int)(f.At - T0).TotalMinutes));
        Assert.All(fires, f => Assert.Equal(T0.AddMinutes(60), f.ExpiresAt));
    }

    [Fact]
    public void Without_an_interval_it_fires_once_at_start()
    {
        var spec = new ScheduleSpec(T0, T0.AddHours(1), null, null, []);
        Assert.Equal([T0], AnnouncementSchedule.Fires(spec, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10).Select(f => f.At));
        Assert.Null(AnnouncementSchedule.FirstAfter(spec, T0));
    }

    [Fact]
    public void A_countdown_fires_at_each_offset_then_at_maintenance_and_moves_with_it()
    {
        var maintenance = T0.AddHours(2);
        var fires = AnnouncementSchedule.Fires(Countdown(maintenance), DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100);
        Assert.Equal([60, 30, 10, 5, 1, 0], fires.Select(f => f.MinutesLeft!.Value));
        Assert.Equal([60, 30, 10, 5, 1, 0], fires.Select(f => (int)(maintenance - f.At).TotalMinutes));
        // A step shows until the next one comes.
        Assert.Equal(maintenance.AddMinutes(-30), fires[0].ExpiresAt);
        var moved = AnnouncementSchedule.Fires(Countdown(maintenance.AddMinutes(45)), DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100);
        Assert.Equal(fires.Select(f => f.At.AddMinutes(45)), moved.Select(f => f.At));
    }

    [Fact]
    public void On_time_the_due_fire_is_delivered_and_the_next_one_named()
    {
        var d = AnnouncementSchedule.Decide(Repeat(15, 60), null, T0.AddSeconds(3), Grace);
        Assert.Equal(T0, d.Deliver!.At);
        Assert.Empty(d.Skipped);
        Assert.Equal(T0.AddMinutes(15), d.NextAt);
        var again = AnnouncementSchedule.Decide(Repeat(15, 60), T0, T0.AddSeconds(8), Grace);
        Assert.Null(again.Deliver); // never twice
        Assert.Equal(T0.AddMinutes(15), again.NextAt);
    }

    [Fact]
    public void Missed_repeats_inside_the_window_are_delivered_once_late_and_nothing_after_the_end()
    {
        var late = AnnouncementSchedule.Decide(Repeat(15, 60), T0, T0.AddMinutes(40), Grace);
        Assert.Equal(T0.AddMinutes(30), late.Deliver!.At); // the latest missed one, once
        Assert.Equal(T0.AddMinutes(45), late.NextAt);
        var afterEnd = AnnouncementSchedule.Decide(Repeat(15, 60), T0, T0.AddMinutes(70), Grace);
        Assert.Null(afterEnd.Deliver);
        Assert.Equal([T0.AddMinutes(45)], afterEnd.Skipped.Select(f => f.At));
        Assert.Null(afterEnd.NextAt);
    }

    [Fact]
    public void A_countdown_step_whose_moment_passed_is_skipped()
    {
        var maintenance = T0.AddHours(2);
        // Down from before the 30-minute step until 12 minutes before maintenance: 30 is stale, 10 is next.
        var d = AnnouncementSchedule.Decide(Countdown(maintenance), maintenance.AddMinutes(-60), maintenance.AddMinutes(-12), Grace);
        Assert.Null(d.Deliver);
        Assert.Equal([30], d.Skipped.Select(f => f.MinutesLeft!.Value));
        Assert.Equal(maintenance.AddMinutes(-10), d.NextAt);
        // Within the grace it still goes out.
        var ok = AnnouncementSchedule.Decide(Countdown(maintenance), maintenance.AddMinutes(-60), maintenance.AddMinutes(-29.5), Grace);
        Assert.Equal(30, ok.Deliver!.MinutesLeft);
    }
}
