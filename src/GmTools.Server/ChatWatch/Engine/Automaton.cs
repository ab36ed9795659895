namespace GmTools.Server.ChatWatch.Engine;

/// <summary>
/// Aho-Corasick over UTF-16 units, frozen into flat arrays: a dense table for the root (most steps of a clean
/// line end there), sorted edge runs for the other nodes, and each node's outputs merged along its failure
/// chain so a match needs no walk. Built once per rule version; read by any number of threads.
/// </summary>
public sealed class Automaton
{
    private readonly int[] _root = new int[65536];
    private readonly bool[] _inAlphabet = new bool[65536];
    private readonly int[] _edgeStart;
    private readonly int[] _edgeCount;
    private readonly char[] _edgeChar;
    private readonly int[] _edgeTarget;
    private readonly int[] _fail;
    private readonly int[] _outStart;
    private readonly int[] _outCount;
    private readonly int[] _outIds;

    public int NodeCount => _fail.Length;

    /// <summary>Pattern ids are the positions in <paramref name="patterns"/>; empty patterns are ignored.</summary>
    public Automaton(IReadOnlyList<string> patterns)
    {
        // Build the trie with per-node dictionaries, then freeze.
        var children = new List<Dictionary<char, int>> { new() };
        var outputs = new List<List<int>?> { null };
        for (var p = 0; p < patterns.Count; p++)
        {
            var s = patterns[p];
            if (s.Length == 0)
            {
                continue;
            }
            var node = 0;
            foreach (var c in s)
            {
                _inAlphabet[c] = true;
                if (!children[node].TryGetValue(c, out var next))
                {
                    next = children.Count;
                    children.Add(new Dictionary<char, int>());
                    outputs.Add(null);
                    children[node][c] = next;
                }
                node = next;
            }
            (outputs[node] ??= []).Add(p);
        }
        var count = children.Count;
        _fail = new int[count];
        var order = new List<int>(count) { 0 };
        for (var head = 0; head < order.Count; head++)
        {
            var node = order[head];
            foreach (var (c, child) in children[node])
            {
                order.Add(child);
                if (node == 0)
                {
                    _fail[child] = 0;
                }
                else
                {
                    var f = _fail[node];
                    while (true)
                    {
                        if (children[f].TryGetValue(c, out var t)) { _fail[child] = t; break; }
                        if (f == 0) { _fail[child] = 0; break; }
                        f = _fail[f];
                    }
                }
                var inherited = outputs[_fail[child]];
                if (inherited is not null)
                {
                    (outputs[child] ??= []).AddRange(inherited);
                }
            }
        }
        foreach (var (c, child) in children[0])
        {
            _root[c] = child;
        }
        _edgeStart = new int[count];
        _edgeCount = new int[count];
        var edges = children.Sum(d => d.Count);
        _edgeChar = new char[edges];
        _edgeTarget = new int[edges];
        _outStart = new int[count];
        _outCount = new int[count];
        _outIds = new int[outputs.Sum(o => o?.Count ?? 0)];
        int e = 0, o = 0;
        for (var n = 0; n < count; n++)
        {
            _edgeStart[n] = e;
            foreach (var (c, child) in children[n].OrderBy(kv => kv.Key))
            {
                _edgeChar[e] = c;
                _edgeTarget[e] = child;
                e++;
            }
            _edgeCount[n] = e - _edgeStart[n];
            _outStart[n] = o;
            if (outputs[n] is { } list)
            {
                foreach (var id in list)
                {
                    _outIds[o++] = id;
                }
            }
            _outCount[n] = o - _outStart[n];
        }
    }

    public int Step(int state, char c)
    {
        if (!_inAlphabet[c])
        {
            return 0;
        }
        while (state != 0)
        {
            var t = Find(state, c);
            if (t >= 0)
            {
                return t;
            }
            state = _fail[state];
        }
        return _root[c];
    }

    public bool HasOutputs(int state) => _outCount[state] != 0;

    public ReadOnlySpan<int> Outputs(int state) => _outIds.AsSpan(_outStart[state], _outCount[state]);

    private int Find(int state, char c)
    {
        var lo = _edgeStart[state];
        var hi = lo + _edgeCount[state] - 1;
        var chars = _edgeChar;
        if (hi - lo < 8)
        {
            for (var i = lo; i <= hi; i++)
            {
                if (chars[i] == c) { return _edgeTarget[i]; }
            }
            return -1;
        }
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var m = chars[mid];
            if (m == c) { return _edgeTarget[mid]; }
            if (m < c) { lo = mid + 1; } else { hi = mid - 1; }
        }
        return -1;
    }
}
