using System.Globalization;
using System.Text.RegularExpressions;

namespace GmTools.Server.ChatWatch.Engine;

/// <summary>
/// A compiled rule version: per normalization profile (categories sharing the same switches) one normalizer,
/// one Aho-Corasick automaton holding the terms, their pinyin spellings and the allowlist, one automaton for
/// mixed Han/pinyin spellings, and the bounded regular patterns. Immutable and thread-safe.
/// </summary>
public sealed partial class RuleSet
{
    public const int MaxTermLength = 64;
    public const int MaxPatternLength = 512;
    public const int MaxRepetitionBound = 1000;
    public const int MaxCategoryLength = 32;
    public const int MaxPinyinVariants = 16;
    /// <summary>Shorter pinyin spellings are ordinary Latin syllables too often to mean the term.</summary>
    public const int MinPinyinLetters = 4;
    public const int MinInitialsTermLength = 3;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProbeBudget = TimeSpan.FromMilliseconds(250);

    private static readonly string[] NoCategory = [""];

    internal enum Kind : byte { Direct, Pinyin, Initials, Allow }

    internal readonly record struct Entry(int Term, Kind Kind, TermMatch Mode, int Length, byte[]? Runs);

    private sealed class Profile
    {
        public required Normalizer Normalizer { get; init; }
        public required Automaton Main { get; init; }
        public required Entry[] Entries { get; init; }
        public Automaton? Mixed { get; init; }
        public Entry[] MixedEntries { get; init; } = [];
        public (Regex Regex, int Pattern)[] Patterns { get; init; } = [];
        public Regex? AnyPattern { get; init; }
    }

    private readonly Profile[] _profiles;
    private readonly TermRule[] _terms;
    private readonly PatternRule[] _patterns;
    [ThreadStatic] private static Scratch? t_scratch;

    public RuleDocument Document { get; }
    public int TermCount => _terms.Length;

    private RuleSet(RuleDocument document, Profile[] profiles, TermRule[] terms, PatternRule[] patterns)
    {
        Document = document;
        _profiles = profiles;
        _terms = terms;
        _patterns = patterns;
    }

    public static RuleSet Empty { get; } = Compile(RuleDocument.Empty);

    /// <summary>Compiles a document an admin proposes: every check, including the pattern speed probe.</summary>
    public static RuleSet Compile(RuleDocument doc) => CompileChecked(doc, probeSpeed: true);

    /// <summary>
    /// Compiles a document that already passed <see cref="Compile(RuleDocument)"/> (the starter rules, a published
    /// version read back). The speed probe is wall-clock and judges a sound pattern "catastrophic" when the machine is
    /// overloaded, which must never stop a replica from starting or loading rules it already accepted; matching stays
    /// bounded by the engine (non-backtracking) and the match timeout either way.
    /// </summary>
    public static RuleSet CompileAccepted(RuleDocument doc) => CompileChecked(doc, probeSpeed: false);

    private static RuleSet CompileChecked(RuleDocument doc, bool probeSpeed)
    {
        var violations = new List<RuleViolation>();
        var tables = CharTables.Instance;
        var checker = new Normalizer(EvasionSteps.All, tables);
        var normalizers = new Dictionary<EvasionSteps, Normalizer> { [EvasionSteps.All] = checker };
        Normalizer NormalizerFor(EvasionSteps s) => normalizers.TryGetValue(s, out var n) ? n : normalizers[s] = new Normalizer(s, tables);

        for (var i = 0; i < doc.Categories.Count; i++)
        {
            var c = doc.Categories[i];
            CheckText(violations, $"categories[{i}].name", c.Name, MaxCategoryLength);
            if ((c.Steps & ~EvasionSteps.All) != 0)
            {
                violations.Add(new($"categories[{i}].steps", "names an unknown step"));
            }
            if (doc.Categories.Take(i).Any(o => o.Name == c.Name))
            {
                violations.Add(new($"categories[{i}].name", $"category '{c.Name}' is listed twice"));
            }
        }

        var seen = new Dictionary<string, (int Index, string Category)>(StringComparer.Ordinal);
        var terms = new List<TermRule>();
        for (var i = 0; i < doc.Terms.Count; i++)
        {
            var t = doc.Terms[i];
            if (!CheckText(violations, $"terms[{i}].text", t.Text, MaxTermLength)
                | !CheckText(violations, $"terms[{i}].category", t.Category, MaxCategoryLength))
            {
                continue;
            }
            var key = checker.NormalizeTerm(t.Text, out _);
            if (key.Length == 0)
            {
                violations.Add(new($"terms[{i}].text", "has no letter, digit or ideograph left after normalization"));
                continue;
            }
            if (seen.TryGetValue(key, out var prior))
            {
                if (prior.Category != t.Category)
                {
                    violations.Add(new($"terms[{i}].text", $"'{t.Text}' is also in category '{prior.Category}' (terms[{prior.Index}])"));
                }
                continue;
            }
            seen[key] = (i, t.Category);
            terms.Add(t);
        }

        var allow = new List<string>();
        for (var i = 0; i < doc.Allowlist.Count; i++)
        {
            if (CheckText(violations, $"allowlist[{i}]", doc.Allowlist[i], MaxTermLength))
            {
                allow.Add(doc.Allowlist[i]);
            }
        }

        var patterns = new List<(PatternRule Rule, Regex Regex)>();
        for (var i = 0; i < doc.Patterns.Count; i++)
        {
            var p = doc.Patterns[i];
            CheckText(violations, $"patterns[{i}].name", p.Name, MaxCategoryLength);
            CheckText(violations, $"patterns[{i}].category", p.Category, MaxCategoryLength);
            if (!CheckText(violations, $"patterns[{i}].regex", p.Regex, MaxPatternLength))
            {
                continue;
            }
            if (CompilePattern(p.Regex, probeSpeed, out var regex, out var problem))
            {
                patterns.Add((p, regex!));
            }
            else
            {
                violations.Add(new($"patterns[{i}].regex", problem!));
            }
        }
        if (violations.Count > 0)
        {
            throw new RuleDocumentException(violations);
        }

        var categories = terms.Select(t => t.Category).Concat(patterns.Select(p => p.Rule.Category)).Distinct();
        var groups = categories.GroupBy(doc.StepsOf).ToList();
        if (groups.Count == 0 && allow.Count > 0)
        {
            groups = [.. NoCategory.GroupBy(_ => EvasionSteps.All)];
        }
        var profiles = new List<Profile>();
        foreach (var g in groups)
        {
            var names = g.ToHashSet();
            var normalizer = NormalizerFor(g.Key);
            profiles.Add(BuildProfile(normalizer, tables, terms, names, allow, patterns.Where(p => names.Contains(p.Rule.Category)).ToList(), patterns));
        }
        return new RuleSet(doc, [.. profiles], [.. terms], [.. patterns.Select(p => p.Rule)]);
    }

    private static Profile BuildProfile(Normalizer normalizer, CharTables tables, List<TermRule> terms, HashSet<string> categories,
        List<string> allow, List<(PatternRule Rule, Regex Regex)> patterns, List<(PatternRule Rule, Regex Regex)> allPatterns)
    {
        var strings = new List<string>();
        var entries = new List<Entry>();
        var mixedStrings = new List<string>();
        var mixedEntries = new List<Entry>();
        var pinyin = normalizer.On(EvasionSteps.Pinyin);
        void Add(string units, byte[] runs, int term, Kind kind, TermMatch mode)
        {
            strings.Add(units);
            entries.Add(new Entry(term, kind, mode, units.Length, runs.Any(r => r > 1) ? runs : null));
            if (runs.Any(r => r > 1))
            {
                // A doubled letter written apart ("a s s") stays two units in the line: match the unfolded form too.
                var unfolded = string.Concat(units.Select((c, k) => new string(c, runs[k])));
                strings.Add(unfolded);
                entries.Add(new Entry(term, kind, mode, unfolded.Length, null));
            }
        }
        for (var ti = 0; ti < terms.Count; ti++)
        {
            var t = terms[ti];
            if (!categories.Contains(t.Category))
            {
                continue;
            }
            var units = normalizer.NormalizeTerm(t.Text, out var runs);
            if (units.Length == 0)
            {
                continue;
            }
            Add(units, runs, ti, Kind.Direct, ModeOf(t.Match, units));
            if (!pinyin || !units.Any(c => Normalizer.IsHan(c)))
            {
                continue;
            }
            // Spelled from the term before repeat folding: 扣扣群 is "koukouqun", not "kouqun".
            var full = string.Concat(units.Select((c, k) => new string(c, runs[k])));
            foreach (var spelling in Spellings(full, tables, initials: false))
            {
                var p = normalizer.NormalizeTerm(spelling, out var pr);
                if (spelling.Length >= MinPinyinLetters)
                {
                    Add(p, pr, ti, Kind.Pinyin, TermMatch.WordStart);
                }
                mixedStrings.Add(spelling);
                mixedEntries.Add(new Entry(ti, Kind.Pinyin, TermMatch.Anywhere, spelling.Length, null));
            }
            if (full.Length >= MinInitialsTermLength)
            {
                foreach (var spelling in Spellings(full, tables, initials: true))
                {
                    var p = normalizer.NormalizeTerm(spelling, out var pr);
                    Add(p, pr, ti, Kind.Initials, TermMatch.WholeWord);
                }
            }
        }
        foreach (var a in allow)
        {
            var units = normalizer.NormalizeTerm(a, out _);
            if (units.Length > 0)
            {
                strings.Add(units);
                entries.Add(new Entry(-1, Kind.Allow, TermMatch.Anywhere, units.Length, null));
            }
        }
        Regex? any = null;
        if (patterns.Count > 1)
        {
            try
            {
                any = new Regex(string.Join("|", patterns.Select(p => $"(?:{p.Rule.Regex})")), PatternOptions, MatchTimeout);
            }
            catch (ArgumentException)
            {
                any = null; // the patterns still run one by one
            }
        }
        return new Profile
        {
            Normalizer = normalizer,
            Main = new Automaton(strings),
            Entries = [.. entries],
            Mixed = mixedStrings.Count > 0 ? new Automaton(mixedStrings) : null,
            MixedEntries = [.. mixedEntries],
            Patterns = [.. patterns.Select(p => (p.Regex, allPatterns.IndexOf(p)))],
            AnyPattern = any,
        };
    }

    private static TermMatch ModeOf(TermMatch asked, string units)
    {
        if (asked != TermMatch.Auto)
        {
            return asked;
        }
        if (!IsLatin(units[0]))
        {
            return TermMatch.Anywhere;
        }
        return units.Length <= 3 && units.All(IsLatin) ? TermMatch.WholeWord : TermMatch.WordStart;
    }

    /// <summary>Toneless pinyin spellings of a Han term (full syllables or initials), every reading combination up to a cap.</summary>
    internal static List<string> Spellings(string han, CharTables tables, bool initials)
    {
        var result = new List<string> { "" };
        foreach (var c in han)
        {
            var options = new List<string>();
            if (!Normalizer.IsHan(c))
            {
                // Latin letters and digits in a mixed term ("加我qq") are written as they are.
                result = [.. result.Select(r => r + c)];
                continue;
            }
            if (!tables.Pinyin.TryGetValue(c, out var readings))
            {
                return [];
            }
            foreach (var r in readings)
            {
                var forms = r.Contains('v') ? new[] { r, r.Replace('v', 'u') } : [r];
                foreach (var f in forms)
                {
                    var o = initials ? f[..1] : f;
                    if (!options.Contains(o)) { options.Add(o); }
                }
            }
            var next = new List<string>();
            foreach (var prefix in result)
            {
                foreach (var o in options)
                {
                    if (next.Count < MaxPinyinVariants) { next.Add(prefix + o); }
                }
            }
            result = next;
        }
        return result;
    }

    private const RegexOptions PatternOptions = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    [GeneratedRegex(@"\{(\d+)(?:,(\d*))?\}")]
    private static partial Regex Repetition();

    /// <summary>
    /// Patterns run on the non-backtracking engine (linear in the line, no catastrophic backtracking); a pattern it
    /// cannot run (back-references, look-arounds), one with huge repetition bounds, or one that is still slow on
    /// hostile probes is refused at import.
    /// </summary>
    internal static bool CompilePattern(string pattern, bool probeSpeed, out Regex? regex, out string? problem)
    {
        regex = null;
        problem = null;
        foreach (Match m in Repetition().Matches(pattern))
        {
            if (int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var lo) && lo > MaxRepetitionBound
                || m.Groups[2].Value.Length > 0 && (!int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var hi) || hi > MaxRepetitionBound))
            {
                problem = $"repetition bounds above {MaxRepetitionBound} are not allowed";
                return false;
            }
            if (m.Groups[1].Value.Length > 5)
            {
                problem = $"repetition bounds above {MaxRepetitionBound} are not allowed";
                return false;
            }
        }
        try
        {
            regex = new Regex(pattern, PatternOptions, MatchTimeout);
        }
        catch (NotSupportedException e)
        {
            problem = $"does not compile for the bounded engine: {e.Message}";
            return false;
        }
        catch (ArgumentException e)
        {
            problem = $"does not compile: {e.Message}";
            return false;
        }
        if (regex.IsMatch(""))
        {
            problem = "matches the empty line";
            return false;
        }
        if (!probeSpeed)
        {
            return true;
        }
        // The budget is relative to a trivial pattern timed on the same probes right now, so a loaded machine slows
        // both alike; and a pattern is refused only when it is slow on every one of a few attempts, so one attempt
        // that lost the CPU for a while (or hit the match timeout for that reason) does not refuse a sound pattern.
        // A catastrophic pattern is slow every time.
        for (var attempt = 0; attempt < ProbeAttempts; attempt++)
        {
            var budget = ProbeBudget;
            var reference = TimeProbes(new Regex("zq", PatternOptions, MatchTimeout));
            if (reference * ReferenceFactor > budget)
            {
                budget = reference * ReferenceFactor;
            }
            try
            {
                if (TimeProbes(regex, budget) <= budget)
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // slow this time; try again
            }
        }
        problem = "is too slow on long lines (catastrophic pattern)";
        return false;
    }

    private const int ProbeAttempts = 3;

    private const int ReferenceFactor = 100;

    /// <summary>Runs every probe (stopping once <paramref name="stopAfter"/> is spent) and returns the time taken.</summary>
    private static TimeSpan TimeProbes(Regex regex, TimeSpan? stopAfter = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var probe in Probes)
        {
            regex.IsMatch(probe);
            if (stopAfter is { } limit && System.Diagnostics.Stopwatch.GetElapsedTime(started) > limit)
            {
                break;
            }
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    private static readonly string[] Probes =
    [
        new string('a', 2000) + "!",
        new string('1', 2000) + "x",
        string.Concat(Enumerable.Repeat("ab1.@-", 400)),
        string.Concat(Enumerable.Repeat("加微信qq", 400)),
    ];

    private static bool CheckText(List<RuleViolation> v, string field, string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            v.Add(new(field, "must not be empty"));
            return false;
        }
        if (text.Length > max)
        {
            v.Add(new(field, $"must be at most {max} characters"));
            return false;
        }
        if (text.Contains('\0'))
        {
            v.Add(new(field, "must not contain NUL"));
            return false;
        }
        return true;
    }

    internal static bool IsLatin(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
