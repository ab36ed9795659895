namespace GmTools.Server.ChatWatch.Engine;

public sealed partial class RuleSet
{
    /// <summary>Per-thread buffers: scoring a clean line allocates nothing.</summary>
    private sealed class Scratch
    {
        public readonly NormalizedText Text = new();
        public readonly List<(int Entry, int First, int Last, bool Mixed)> Candidates = [];
        public readonly List<(int First, int Last)> Allowed = [];
        public char[] Projected = new char[1024];
        public int[] ProjectedUnit = new int[1024];
        public byte[] ProjectedFlags = new byte[1024];
    }

    private const byte FromHan = 1, HanFirst = 2, HanLast = 4;

    /// <summary>Scores one line: every term, pinyin spelling and pattern it matches, allowlisted look-alikes removed.</summary>
    public LineScore Score(ReadOnlySpan<char> line)
    {
        var scratch = t_scratch ??= new Scratch();
        List<RuleMatch>? matches = null;
        foreach (var profile in _profiles)
        {
            ScoreProfile(profile, line, scratch, ref matches);
        }
        if (matches is null)
        {
            return LineScore.Clean;
        }
        matches.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new LineScore(matches);
    }

    public LineScore Score(string line) => Score(line.AsSpan());

    /// <summary>The line as the rules see it under every step (the key waves are counted by).</summary>
    public string NormalizedKey(ReadOnlySpan<char> line)
    {
        var scratch = t_scratch ??= new Scratch();
        var n = _profiles.Length > 0 ? _profiles[0].Normalizer : new Normalizer(EvasionSteps.All);
        n.Normalize(line, scratch.Text, withPatternStream: false);
        return scratch.Text.ToString();
    }

    private void ScoreProfile(Profile profile, ReadOnlySpan<char> line, Scratch scratch, ref List<RuleMatch>? matches)
    {
        var text = scratch.Text;
        var withPatterns = profile.Patterns.Length > 0;
        profile.Normalizer.Normalize(line, text, withPatterns);
        var candidates = scratch.Candidates;
        var allowed = scratch.Allowed;
        candidates.Clear();
        allowed.Clear();

        var ac = profile.Main;
        var units = text.Units;
        var state = 0;
        for (var i = 0; i < text.Count; i++)
        {
            state = ac.Step(state, units[i]);
            if (!ac.HasOutputs(state))
            {
                continue;
            }
            foreach (var id in ac.Outputs(state))
            {
                ref readonly var e = ref profile.Entries[id];
                var first = i - e.Length + 1;
                if (e.Kind == Kind.Allow)
                {
                    allowed.Add((first, i));
                }
                else if (Accepts(text, in e, first, i))
                {
                    candidates.Add((id, first, i, false));
                }
            }
        }

        if (profile.Mixed is not null && text.HasHan && text.HasLatin)
        {
            ScoreMixed(profile, text, scratch);
        }

        foreach (var (id, first, last, mixed) in candidates)
        {
            if (IsAllowed(allowed, first, last, mixed, scratch))
            {
                continue;
            }
            var e = mixed ? profile.MixedEntries[id] : profile.Entries[id];
            int uFirst = first, uLast = last;
            if (mixed)
            {
                uFirst = scratch.ProjectedUnit[first];
                uLast = scratch.ProjectedUnit[last];
            }
            var term = _terms[e.Term];
            matches ??= [];
            if (matches.Any(m => m.Term == term.Text && m.Category == term.Category))
            {
                continue;
            }
            var steps = StepsWithin(text, uFirst, uLast, mixed ? null : e.Runs);
            var rule = e.Kind switch
            {
                Kind.Pinyin when mixed => "pinyin-mixed",
                Kind.Pinyin => "pinyin",
                Kind.Initials => "pinyin-initials",
                _ => "term",
            };
            if (e.Kind != Kind.Direct)
            {
                steps |= EvasionSteps.Pinyin;
            }
            var start = text.Start[uFirst];
            matches.Add(new RuleMatch(term.Category, rule, term.Text, start, text.End[uLast] - start, steps));
        }

        if (withPatterns)
        {
            ScorePatterns(profile, line, text, ref matches);
        }
    }

    private static bool Accepts(NormalizedText text, in Entry e, int first, int last)
    {
        if (e.Runs is { } runs)
        {
            for (var k = 0; k < runs.Length; k++)
            {
                if (text.Run[first + k] < runs[k]) { return false; }
            }
        }
        if (!IsLatin(text.Units[first]) && !IsLatin(text.Units[last]))
        {
            return true;
        }
        var mode = e.Mode;
        if (mode != TermMatch.WholeWord && CrossesGap(text, first, last))
        {
            // Joined across removed spaces: only whole pieces count ("f u c k", not "of uck").
            mode = TermMatch.WholeWord;
        }
        return mode switch
        {
            TermMatch.WholeWord => (!IsLatin(text.Units[first]) || text.IsWordStart(first)) && (!IsLatin(text.Units[last]) || text.IsWordEnd(last)),
            TermMatch.WordStart => !IsLatin(text.Units[first]) || text.IsWordStart(first),
            _ => true,
        };
    }

    private static bool CrossesGap(NormalizedText text, int first, int last)
    {
        for (var k = first; k <= last; k++)
        {
            if (k > first && (text.Gap[k] & (NormalizedText.GapSeparator | NormalizedText.GapInvisible)) != 0) { return true; }
            if ((text.Gap[k] & NormalizedText.GapInsideRun) != 0) { return true; }
        }
        return false;
    }

    private static bool IsAllowed(List<(int First, int Last)> allowed, int first, int last, bool mixed, Scratch scratch)
    {
        if (allowed.Count == 0)
        {
            return false;
        }
        if (mixed)
        {
            first = scratch.ProjectedUnit[first];
            last = scratch.ProjectedUnit[last];
        }
        foreach (var (a, b) in allowed)
        {
            if (a <= last && first <= b) { return true; }
        }
        return false;
    }

    private static EvasionSteps StepsWithin(NormalizedText text, int first, int last, byte[]? runs)
    {
        EvasionSteps steps = 0;
        for (var k = first; k <= last; k++)
        {
            steps |= (EvasionSteps)text.Steps[k];
            var gap = text.Gap[k];
            if (k > first || (gap & NormalizedText.GapInsideRun) != 0)
            {
                var g = k > first ? gap : gap >> 3;
                if ((g & NormalizedText.GapSeparator) != 0 || (gap >> 3 & NormalizedText.GapSeparator) != 0) { steps |= EvasionSteps.Separators; }
                if ((g & NormalizedText.GapInvisible) != 0 || (gap >> 3 & NormalizedText.GapInvisible) != 0) { steps |= EvasionSteps.Invisible; }
            }
            var required = runs is null ? 1 : runs[k - first];
            if (text.Run[k] > required) { steps |= EvasionSteps.Repeats; }
        }
        return steps;
    }

    /// <summary>
    /// Half Han, half pinyin ("加wei信", "jia微xin"): Han units are spelled out with their most common reading and
    /// matched against the terms' spellings; a match must mix both and start and end on syllable edges.
    /// </summary>
    private static void ScoreMixed(Profile profile, NormalizedText text, Scratch scratch)
    {
        var tables = CharTables.Instance;
        var n = 0;
        for (var i = 0; i < text.Count; i++)
        {
            var c = text.Units[i];
            if (text.Class[i] == UnitClass.Han && tables.Pinyin.TryGetValue(c, out var readings))
            {
                var r = readings[0];
                Ensure(scratch, n + r.Length);
                for (var k = 0; k < r.Length; k++)
                {
                    scratch.Projected[n] = r[k];
                    scratch.ProjectedUnit[n] = i;
                    scratch.ProjectedFlags[n] = (byte)(FromHan | (k == 0 ? HanFirst : 0) | (k == r.Length - 1 ? HanLast : 0));
                    n++;
                }
            }
            else
            {
                // Folded repeats are spelled out again: the terms' spellings keep their double letters ("qq").
                var times = Math.Min((int)text.Run[i], 3);
                Ensure(scratch, n + times);
                for (var k = 0; k < times; k++)
                {
                    scratch.Projected[n] = c;
                    scratch.ProjectedUnit[n] = i;
                    scratch.ProjectedFlags[n] = 0;
                    n++;
                }
            }
        }
        var ac = profile.Mixed!;
        var state = 0;
        for (var i = 0; i < n; i++)
        {
            state = ac.Step(state, scratch.Projected[i]);
            if (!ac.HasOutputs(state))
            {
                continue;
            }
            foreach (var id in ac.Outputs(state))
            {
                var first = i - profile.MixedEntries[id].Length + 1;
                var f = scratch.ProjectedFlags;
                bool han = false, latin = false;
                for (var k = first; k <= i; k++)
                {
                    if ((f[k] & FromHan) != 0) { han = true; } else { latin = true; }
                }
                if (!han || !latin)
                {
                    continue;
                }
                var startOk = (f[first] & FromHan) != 0
                    ? (f[first] & HanFirst) != 0
                    : text.IsWordStart(scratch.ProjectedUnit[first]) || first == 0 || (f[first - 1] & FromHan) != 0;
                var endOk = (f[i] & FromHan) == 0 || (f[i] & HanLast) != 0;
                if (startOk && endOk)
                {
                    scratch.Candidates.Add((id, first, i, true));
                }
            }
        }
    }

    private static void Ensure(Scratch s, int n)
    {
        if (s.Projected.Length < n)
        {
            var size = Math.Max(n, s.Projected.Length * 2);
            Array.Resize(ref s.Projected, size);
            Array.Resize(ref s.ProjectedUnit, size);
            Array.Resize(ref s.ProjectedFlags, size);
        }
    }

    private void ScorePatterns(Profile profile, ReadOnlySpan<char> line, NormalizedText text, ref List<RuleMatch>? matches)
    {
        var span = text.PatternSpan;
        if (span.Length == 0 || profile.AnyPattern is { } any && !any.IsMatch(span))
        {
            return;
        }
        foreach (var (regex, index) in profile.Patterns)
        {
            foreach (var m in regex.EnumerateMatches(span))
            {
                if (m.Length == 0)
                {
                    continue;
                }
                var start = text.PatternStart[m.Index];
                var end = text.PatternEnd[m.Index + m.Length - 1];
                var rule = _patterns[index];
                matches ??= [];
                matches.Add(new RuleMatch(rule.Category, "pattern:" + rule.Name, line[start..end].ToString(), start, end - start,
                    profile.Normalizer.StepsOf(line[start..end])));
                break;
            }
        }
    }
}
