namespace GmTools.Server.ChatWatch.Engine;

/// <summary>Too many lines from one player within the window.</summary>
public sealed record FloodRule(int MaxLines, TimeSpan Window);

/// <summary>The same normalized text from at least <see cref="MinSenders"/> players within the window (a bot wave).</summary>
public sealed record WaveRule(int MinSenders, TimeSpan Window, int MinLength);

/// <summary>
/// Flood and wave windows kept in process, on the injected clock. The live server keeps the same counts in Redis
/// (shared by replicas); this is what a replica falls back to while Redis is away, and what tests drive directly.
/// Bounded: at most <paramref name="maxKeys"/> players and texts each, the stalest dropped first.
/// </summary>
public sealed class ChatWindows(FloodRule flood, WaveRule wave, TimeProvider time, int maxKeys = 100_000)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _lines = [];
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _senders = [];
    private readonly Lock _gate = new();

    public FloodRule Flood => flood;
    public WaveRule Wave => wave;

    /// <summary>Counts a line; true when the player is now over the flood limit.</summary>
    public bool RecordLine(string player)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_lines.TryGetValue(player, out var q))
            {
                if (_lines.Count >= maxKeys) { Evict(_lines, now - flood.Window); }
                _lines[player] = q = new Queue<DateTimeOffset>();
            }
            while (q.Count > 0 && q.Peek() <= now - flood.Window) { q.Dequeue(); }
            q.Enqueue(now);
            while (q.Count > flood.MaxLines + 1) { q.Dequeue(); }
            return q.Count > flood.MaxLines;
        }
    }

    /// <summary>Counts a sender of a normalized text; the number of distinct senders within the window (0 when too short to count).</summary>
    public int RecordText(string normalized, string player)
    {
        if (normalized.Length < wave.MinLength)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_senders.TryGetValue(normalized, out var s))
            {
                if (_senders.Count >= maxKeys)
                {
                    foreach (var k in _senders.Where(kv => kv.Value.Values.All(t => t <= now - wave.Window)).Select(kv => kv.Key).ToList()) { _senders.Remove(k); }
                    if (_senders.Count >= maxKeys) { _senders.Remove(_senders.Keys.First()); }
                }
                _senders[normalized] = s = [];
            }
            foreach (var stale in s.Where(kv => kv.Value <= now - wave.Window).Select(kv => kv.Key).ToList()) { s.Remove(stale); }
            s[player] = now;
            return s.Count;
        }
    }

    public bool IsWave(int senders) => senders >= wave.MinSenders;

    private void Evict(Dictionary<string, Queue<DateTimeOffset>> map, DateTimeOffset horizon)
    {
        foreach (var k in map.Where(kv => kv.Value.Count == 0 || kv.Value.Last() <= horizon).Select(kv => kv.Key).ToList()) { map.Remove(k); }
        if (map.Count > 0 && map.Count >= maxKeys) { map.Remove(map.Keys.First()); }
    }
}
