namespace GmTools.Console.Components.Pages.ChatWatch;

/// <summary>
/// The lines a live chat page holds: the newest <see cref="Capacity"/>, newest first. Older lines fall off the end as
/// new ones arrive, so a page left open all day holds no more than that; a line id seen again (a replay the server
/// passed on, a recent line also streamed) replaces nothing and is not added twice.
/// </summary>
public sealed class ChatLiveBuffer(int capacity)
{
    private readonly LinkedList<ChatLine> _lines = new();
    private readonly Dictionary<string, LinkedListNode<ChatLine>> _byId = new(StringComparer.Ordinal);

    public int Capacity { get; } = Math.Max(1, capacity);

    public int Count => _lines.Count;

    /// <summary>Lines dropped off the end since the page opened.</summary>
    public long Dropped { get; private set; }

    /// <summary>Newest first.</summary>
    public IEnumerable<ChatLine> Lines => _lines;

    /// <summary>Adds a line as the newest; false when its id is already held.</summary>
    public bool Add(ChatLine line)
    {
        if (_byId.ContainsKey(line.LineId))
        {
            return false;
        }
        _byId[line.LineId] = _lines.AddFirst(line);
        while (_lines.Count > Capacity)
        {
            _byId.Remove(_lines.Last!.Value.LineId);
            _lines.RemoveLast();
            Dropped++;
        }
        return true;
    }

    /// <summary>Lines read back (newest first, e.g. ListRecentChat) go behind what is held.</summary>
    public void AddOlder(IEnumerable<ChatLine> newestFirst)
    {
        foreach (var line in newestFirst)
        {
            if (_lines.Count >= Capacity)
            {
                return;
            }
            if (!_byId.ContainsKey(line.LineId))
            {
                _byId[line.LineId] = _lines.AddLast(line);
            }
        }
    }

    public void Clear()
    {
        _lines.Clear();
        _byId.Clear();
    }

    /// <summary>The ids of a sender's held lines, flagged ones first, at most <paramref name="max"/> (a sanction's evidence).</summary>
    public IReadOnlyList<string> EvidenceFor(string playerId, int max = 100) =>
        [.. _lines.Where(l => l.SenderPlayerId == playerId)
            .OrderByDescending(l => l.Matches.Count > 0)
            .Select(l => l.LineId)
            .Take(max)];
}
