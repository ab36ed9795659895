using System.Globalization;

namespace GmTools.Bench.Load;

/// <summary>
/// CPU time (user + system) of the store processes a run leans on — PostgreSQL's postmaster and every process under
/// it, Redis — read from /proc, so a path's cost per call can be given for the stores as well as for this process. On
/// a shared machine the rate moves with the neighbours; the CPU a call costs does not (much).
/// </summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on

    /// <summary>Roots whose process trees are counted as "stores" (set once by the load verb; empty: stores not counted).</summary>
    public static int[] StoreRoots { get; set; } = [];

    /// <summary>This process's CPU so far.</summary>
    public static TimeSpan Own() => Environment.CpuUsage.TotalTime;

    /// <summary>The stores' CPU so far: each root, its children's reaped time and every live descendant.</summary>
    public static TimeSpan Stores()
    {
        if (StoreRoots.Length == 0 || !Directory.Exists("/proc"))
        {
            return TimeSpan.Zero;
        }
        var stats = new Dictionary<int, (int Parent, long Ticks, long ReapedTicks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(pid) is { } s)
            {
                stats[pid] = s;
            }
        }
        long ticks = 0;
        foreach (var root in StoreRoots)
        {
            if (stats.TryGetValue(root, out var r))
            {
                ticks += r.ReapedTicks; // backends that exited: their time went to the postmaster's children's count
            }
        }
        foreach (var (pid, s) in stats)
        {
            if (Under(pid, stats))
            {
                ticks += s.Ticks;
            }
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static bool Under(int pid, Dictionary<int, (int Parent, long Ticks, long ReapedTicks)> stats)
    {
        for (var hops = 0; hops < 16 && pid > 1; hops++)
        {
            if (StoreRoots.Contains(pid))
            {
                return true;
            }
            if (!stats.TryGetValue(pid, out var s))
            {
                return false;
            }
            pid = s.Parent;
        }
        return false;
    }

    /// <summary>utime + stime, and cutime + cstime, of one process (fields 14–17 of /proc/PID/stat, after the command name).</summary>
    private static (int Parent, long Ticks, long ReapedTicks)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        // After ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        var f = text[(close + 2)..].Split(' ');
        if (f.Length < 15)
        {
            return null;
        }
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return (int.Parse(f[1], CultureInfo.InvariantCulture), L(11) + L(12), L(13) + L(14));
    }
}
