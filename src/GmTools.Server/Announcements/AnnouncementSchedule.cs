namespace GmTools.Server.Announcements;

/// <summary>When an announcement fires: from start every interval until end, or at each countdown offset before the maintenance time and once at it.</summary>
public sealed record ScheduleSpec(DateTimeOffset Start, DateTimeOffset End, TimeSpan? Interval, DateTimeOffset? MaintenanceAt, IReadOnlyList<int> OffsetsMinutes)
{
    public bool IsCountdown => MaintenanceAt is not null;
}

/// <summary>One fire. <see cref="MinutesLeft"/>: null for a plain show, 0 for the countdown's final "going down now".</summary>
public sealed record Fire(DateTimeOffset At, int? MinutesLeft, DateTimeOffset ExpiresAt);

/// <summary>What to do now: deliver at most one fire (the latest due), skip the other due ones, fire next at <see cref="NextAt"/>.</summary>
public sealed record FireDecision(Fire? Deliver, IReadOnlyList<Fire> Skipped, DateTimeOffset? NextAt);

/// <summary>
/// Pure schedule arithmetic (no clock, no I/O): the caller passes <c>now</c>.
/// <para>Misfire policy: when fires were missed (every replica down), only the latest due one is considered, and it is
/// delivered late only while it still means something — a plain show while the announcement is inside its window,
/// a countdown step within <c>grace</c> of its moment (and before the next step). Everything else due is skipped.
/// Nothing is ever delivered twice: the caller records the latest due fire as considered.</para>
/// </summary>
public static class AnnouncementSchedule
{
    /// <summary>The fires with <paramref name="from"/> &lt;= at &lt; <paramref name="until"/>, in order, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<Fire> Fires(ScheduleSpec s, DateTimeOffset from, DateTimeOffset until, int max)
    {
        var fires = new List<Fire>();
        var next = FirstAtOrAfter(s, from);
        while (next is not null && next.At < until && fires.Count < max)
        {
            fires.Add(next);
            next = FirstAfter(s, next.At);
        }
        return fires;
    }

    /// <summary>The first fire strictly after <paramref name="t"/>, or null when none is left.</summary>
    public static Fire? FirstAfter(ScheduleSpec s, DateTimeOffset t) => FirstAtOrAfter(s, t + TimeSpan.FromTicks(1));

    public static Fire? FirstAtOrAfter(ScheduleSpec s, DateTimeOffset t)
    {
        if (s.MaintenanceAt is { } m)
        {
            var steps = CountdownSteps(s, m);
            return steps.FirstOrDefault(f => f.At >= t);
        }
        if (t <= s.Start)
        {
            return s.Start < s.End ? Plain(s, s.Start) : null;
        }
        if (s.Interval is not { } interval)
        {
            return null;
        }
        var k = (long)Math.Ceiling((t - s.Start).Ticks / (double)interval.Ticks);
        var at = s.Start + TimeSpan.FromTicks(interval.Ticks * k);
        if (at < t)
        {
            at += interval; // floating point rounding
        }
        return at < s.End ? Plain(s, at) : null;
    }

    /// <summary>The fire at or before <paramref name="t"/> that is latest, after <paramref name="after"/> (exclusive; null: none considered yet).</summary>
    public static Fire? LatestDue(ScheduleSpec s, DateTimeOffset? after, DateTimeOffset t)
    {
        Fire? latest = null;
        if (s.MaintenanceAt is { } m)
        {
            latest = CountdownSteps(s, m).LastOrDefault(f => f.At <= t);
        }
        else if (t >= s.Start && s.Start < s.End)
        {
            var at = s.Start;
            if (s.Interval is { } interval)
            {
                var last = s.End - TimeSpan.FromTicks(1);
                var until = t < last ? t : last;
                at = s.Start + TimeSpan.FromTicks(interval.Ticks * ((until - s.Start).Ticks / interval.Ticks));
            }
            latest = Plain(s, at);
        }
        return latest is not null && (after is null || latest.At > after) ? latest : null;
    }

    /// <summary>The decision at <paramref name="now"/>, given the latest fire already considered (delivered or skipped).</summary>
    public static FireDecision Decide(ScheduleSpec s, DateTimeOffset? consideredThrough, DateTimeOffset now, TimeSpan grace)
    {
        var latest = LatestDue(s, consideredThrough, now);
        var skipped = new List<Fire>();
        Fire? deliver = null;
        if (latest is not null)
        {
            if (s.IsCountdown)
            {
                // Earlier due steps are stale by definition: a later one has come.
                skipped.AddRange(CountdownSteps(s, s.MaintenanceAt!.Value).Where(f => f.At < latest.At && (consideredThrough is null || f.At > consideredThrough)));
            }
            var fresh = s.IsCountdown ? now - latest.At <= grace && now < latest.ExpiresAt : now < latest.ExpiresAt;
            if (fresh)
            {
                deliver = latest;
            }
            else
            {
                skipped.Add(latest);
            }
        }
        // Everything at or before now is considered by this decision (delivered or skipped), so the next fire lies after it.
        var through = latest?.At ?? consideredThrough;
        var next = FirstAfter(s, through is { } th && th > now ? th : now);
        return new FireDecision(deliver, skipped, next?.At);
    }

    private static Fire Plain(ScheduleSpec s, DateTimeOffset at) => new(at, null, s.End);

    private static List<Fire> CountdownSteps(ScheduleSpec s, DateTimeOffset maintenanceAt)
    {
        var steps = new List<Fire>(s.OffsetsMinutes.Count + 1);
        for (var i = 0; i < s.OffsetsMinutes.Count; i++)
        {
            var at = maintenanceAt - TimeSpan.FromMinutes(s.OffsetsMinutes[i]);
            // A step means "n minutes left" only until the next step (or the maintenance) comes.
            var expires = i + 1 < s.OffsetsMinutes.Count ? maintenanceAt - TimeSpan.FromMinutes(s.OffsetsMinutes[i + 1]) : maintenanceAt;
            steps.Add(new Fire(at, s.OffsetsMinutes[i], expires));
        }
        steps.Add(new Fire(maintenanceAt, 0, s.End > maintenanceAt ? s.End : maintenanceAt + TimeSpan.FromMinutes(5)));
        return steps;
    }
}
