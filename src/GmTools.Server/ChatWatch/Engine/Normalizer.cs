using System.Globalization;

namespace GmTools.Server.ChatWatch.Engine;

/// <summary>The evasions the normalizer undoes; each can be switched off per category.</summary>
[Flags]
public enum EvasionSteps : ushort
{
    None = 0,
    Case = 1,
    Width = 2,
    Digits = 4,
    Styled = 8,
    Traditional = 16,
    Homoglyphs = 32,
    Invisible = 64,
    Separators = 128,
    Repeats = 256,
    Pinyin = 512,
    All = 1023,
}

/// <summary>Classes of normalized units; word boundaries are decided on them.</summary>
public static class UnitClass
{
    public const byte Latin = 1;
    public const byte Digit = 2;
    public const byte Han = 3;
    public const byte Other = 4;
}

/// <summary>
/// A line after normalization: one unit per surviving character, each with its span in the original text, the
/// steps that changed it, whether separators or invisible characters were removed before it, and how many
/// repeats were folded into it. Reused between lines so a clean line allocates nothing.
/// </summary>
// Fields, not properties: the scoring loop indexes these buffers per character and reuses them between lines.
#pragma warning disable CA1051
public sealed class NormalizedText
{
    public const byte GapSeparator = 1;
    public const byte GapInvisible = 2;
    public const byte GapInsideRun = 4;

    public char[] Units = new char[256];
    public int[] Start = new int[256];
    public int[] End = new int[256];
    public ushort[] Steps = new ushort[256];
    public byte[] Class = new byte[256];
    public byte[] Gap = new byte[256];
    public byte[] Run = new byte[256];
    public int Count;
    public bool HasHan;
    public bool HasLatin;

    /// <summary>The stream patterns run on: no repeat folding, Han numerals as digits, a few URL/e-mail marks kept.</summary>
    public char[] PatternUnits = new char[256];
    public int[] PatternStart = new int[256];
    public int[] PatternEnd = new int[256];
    public int PatternCount;

#pragma warning restore CA1051

    public ReadOnlySpan<char> UnitSpan => Units.AsSpan(0, Count);
    public ReadOnlySpan<char> PatternSpan => PatternUnits.AsSpan(0, PatternCount);

    public bool IsWordStart(int i) =>
        i == 0 || (Gap[i] & (GapSeparator | GapInvisible)) != 0 || Class[i - 1] != UnitClass.Latin;

    public bool IsWordEnd(int i) =>
        i == Count - 1 || (Gap[i + 1] & (GapSeparator | GapInvisible)) != 0 || Class[i + 1] != UnitClass.Latin;

    internal void Reset(int capacity)
    {
        Count = 0;
        PatternCount = 0;
        HasHan = false;
        HasLatin = false;
        if (Units.Length < capacity)
        {
            var n = Math.Max(capacity, Units.Length * 2);
            Units = new char[n]; Start = new int[n]; End = new int[n]; Steps = new ushort[n];
            Class = new byte[n]; Gap = new byte[n]; Run = new byte[n];
            PatternUnits = new char[n]; PatternStart = new int[n]; PatternEnd = new int[n];
        }
    }

    public override string ToString() => new(UnitSpan);
}

/// <summary>
/// A normalization profile compiled into one lookup per BMP character, so a line is normalized in one pass.
/// What each character becomes is derived from the generated tables (decompositions, case, confusables,
/// OpenCC, Unihan numerals), never listed by hand.
/// </summary>
public sealed class Normalizer
{
    private const int ActionUnit = 0;
    private const int ActionDrop = 1;
    private const int ActionSeparator = 2;
    private const int ActionExpand = 3;
    private const char Opaque = '\uFFFC';
    // Kept in the pattern stream: the marks URLs, e-mail addresses and ids are written with.
    private const string PatternMarks = ".@:/-_+#";

    private readonly uint[] _main = new uint[65536];
    private readonly uint[] _pattern = new uint[65536];
    private readonly List<(string Chars, byte[] Classes)> _expansions = [];
    private readonly Dictionary<int, uint> _astralMain = [];
    private readonly Dictionary<int, uint> _astralPattern = [];
    private readonly CharTables _tables;
    private int _maxExpansion = 2;

    public EvasionSteps Steps { get; }

    public Normalizer(EvasionSteps steps, CharTables? tables = null)
    {
        Steps = steps;
        _tables = tables ?? CharTables.Instance;
        for (var c = 0; c < 65536; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }
            _main[c] = Compose(c, pattern: false);
            _pattern[c] = Compose(c, pattern: true);
        }
        foreach (var cp in _tables.Folds.Keys.Concat(_tables.Homoglyphs.Keys).Where(c => c > 0xFFFF).Distinct())
        {
            _astralMain[cp] = Compose(cp, pattern: false);
            _astralPattern[cp] = Compose(cp, pattern: true);
        }
    }

    public bool On(EvasionSteps step) => (Steps & step) != 0;

    /// <summary>Normalizes <paramref name="text"/> into <paramref name="into"/>; the pattern stream only when asked.</summary>
    public void Normalize(ReadOnlySpan<char> text, NormalizedText into, bool withPatternStream)
    {
        into.Reset(text.Length * _maxExpansion);
        var repeats = On(EvasionSteps.Repeats);
        var keepSpaces = !On(EvasionSteps.Separators);
        byte pendingGap = 0;
        var units = into.Units;
        var n = 0;
        for (var i = 0; i < text.Length;)
        {
            int cp = text[i];
            var len = 1;
            uint entry, pentry;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                len = 2;
                entry = AstralEntry(cp, pattern: false);
                pentry = withPatternStream ? AstralEntry(cp, pattern: true) : 0;
            }
            else
            {
                entry = _main[cp];
                pentry = withPatternStream ? _pattern[cp] : 0;
            }
            var end = i + len;
            var action = (int)(entry >> 26) & 7;
            switch (action)
            {
                case ActionUnit:
                    {
                        var c = (char)entry;
                        var cls = (byte)(entry >> 29);
                        var steps = (ushort)((entry >> 16) & 0x3FF);
                        // Repeats fold across removed separators only between ideographs: "ok kys" is two words, not "okys".
                        if (repeats && n > 0 && units[n - 1] == c && cls != UnitClass.Digit && (pendingGap == 0 || cls == UnitClass.Han))
                        {
                            into.End[n - 1] = end;
                            if (into.Run[n - 1] < 255) { into.Run[n - 1]++; }
                            into.Steps[n - 1] |= steps;
                            if (pendingGap != 0) { into.Gap[n - 1] |= (byte)(NormalizedText.GapInsideRun | pendingGap << 3); }
                        }
                        else if (!(keepSpaces && c == ' ' && n > 0 && units[n - 1] == ' '))
                        {
                            units[n] = c;
                            into.Class[n] = cls;
                            into.Steps[n] = steps;
                            into.Start[n] = i;
                            into.End[n] = end;
                            into.Gap[n] = pendingGap;
                            into.Run[n] = 1;
                            if (cls == UnitClass.Han) { into.HasHan = true; }
                            else if (cls == UnitClass.Latin) { into.HasLatin = true; }
                            n++;
                        }
                        pendingGap = 0;
                        break;
                    }
                case ActionDrop:
                    pendingGap |= NormalizedText.GapInvisible;
                    break;
                case ActionSeparator:
                    pendingGap |= NormalizedText.GapSeparator;
                    break;
                default:
                    {
                        var (chars, classes) = _expansions[(int)(entry & 0xFFFF)];
                        var steps = (ushort)((entry >> 16) & 0x3FF);
                        for (var k = 0; k < chars.Length; k++)
                        {
                            var c = chars[k];
                            if (repeats && n > 0 && units[n - 1] == c && classes[k] != UnitClass.Digit && (pendingGap == 0 || classes[k] == UnitClass.Han))
                            {
                                into.End[n - 1] = end;
                                if (into.Run[n - 1] < 255) { into.Run[n - 1]++; }
                                continue;
                            }
                            units[n] = c;
                            into.Class[n] = classes[k];
                            into.Steps[n] = steps;
                            into.Start[n] = i;
                            into.End[n] = end;
                            into.Gap[n] = pendingGap;
                            into.Run[n] = 1;
                            if (classes[k] == UnitClass.Han) { into.HasHan = true; }
                            else if (classes[k] == UnitClass.Latin) { into.HasLatin = true; }
                            n++;
                            pendingGap = 0;
                        }
                        break;
                    }
            }
            if (withPatternStream)
            {
                var paction = (int)(pentry >> 26) & 7;
                if (paction == ActionUnit)
                {
                    var p = into.PatternCount++;
                    into.PatternUnits[p] = (char)pentry;
                    into.PatternStart[p] = i;
                    into.PatternEnd[p] = end;
                }
                else if (paction == ActionExpand)
                {
                    foreach (var c in _expansions[(int)(pentry & 0xFFFF)].Chars)
                    {
                        var p = into.PatternCount++;
                        into.PatternUnits[p] = c;
                        into.PatternStart[p] = i;
                        into.PatternEnd[p] = end;
                    }
                }
            }
            i = end;
        }
        into.Count = n;
    }

    /// <summary>A dictionary entry in the form lines are matched in (the normalized units as a string).</summary>
    public string NormalizeTerm(string term, out byte[] runs)
    {
        var buffer = new NormalizedText();
        Normalize(term, buffer, withPatternStream: false);
        runs = buffer.Run.AsSpan(0, buffer.Count).ToArray();
        return buffer.ToString();
    }

    /// <summary>The steps that changed something in an original span (what a pattern match is reported with).</summary>
    public EvasionSteps StepsOf(ReadOnlySpan<char> original)
    {
        EvasionSteps steps = 0;
        var inside = false;
        for (var i = 0; i < original.Length; i++)
        {
            var c = original[i];
            var entry = char.IsSurrogate(c) ? AstralEntry(char.ConvertToUtf32(original[i], original[Math.Min(i + 1, original.Length - 1)]), false) : _main[c];
            if (char.IsHighSurrogate(c)) { i++; }
            var action = (int)(entry >> 26) & 7;
            if (action == ActionDrop) { steps |= EvasionSteps.Invisible; }
            else if (action == ActionSeparator) { if (inside && !(c < 0x80 && PatternMarks.Contains(c))) { steps |= EvasionSteps.Separators; } }
            else { steps |= (EvasionSteps)((entry >> 16) & 0x3FF); }
            inside = true;
        }
        return steps;
    }

    private uint AstralEntry(int cp, bool pattern)
    {
        var map = pattern ? _astralPattern : _astralMain;
        if (map.TryGetValue(cp, out var e))
        {
            return e;
        }
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (IsSeparatorCategory(cat))
        {
            return pattern ? Pack(ActionDrop, 0, 0, 0) : Pack(On(EvasionSteps.Separators) ? ActionSeparator : ActionUnit, ' ', 0, UnitClass.Other);
        }
        if (_tables.IsInvisible(cp))
        {
            return On(EvasionSteps.Invisible) || pattern ? Pack(ActionDrop, 0, (ushort)EvasionSteps.Invisible, 0) : Pack(ActionUnit, Opaque, 0, UnitClass.Other);
        }
        return Pack(ActionUnit, Opaque, 0, UnitClass.Other);
    }

    private uint Compose(int cp, bool pattern)
    {
        if (_tables.IsInvisible(cp) && !_tables.Folds.ContainsKey(cp))
        {
            return On(EvasionSteps.Invisible) || pattern
                ? Pack(ActionDrop, 0, (ushort)EvasionSteps.Invisible, 0)
                : Pack(ActionUnit, Opaque, 0, UnitClass.Other);
        }
        EvasionSteps steps = 0;
        int[] outs = [cp];
        if (_tables.Folds.TryGetValue(cp, out var fold))
        {
            var step = fold.Kind switch
            {
                CharTables.FoldKind.Width => EvasionSteps.Width,
                CharTables.FoldKind.Digit => EvasionSteps.Digits,
                _ => EvasionSteps.Styled,
            };
            if (On(step))
            {
                outs = fold.To;
                steps |= step;
            }
        }
        var chars = new List<int>(outs.Length);
        foreach (var o in outs)
        {
            var c = o;
            if (On(EvasionSteps.Homoglyphs) && _tables.Homoglyphs.TryGetValue(c, out var h)) { c = h; steps |= EvasionSteps.Homoglyphs; }
            if (On(EvasionSteps.Case) && _tables.Lower.TryGetValue(c, out var l)) { c = l; steps |= EvasionSteps.Case; }
            if (On(EvasionSteps.Homoglyphs) && _tables.Homoglyphs.TryGetValue(c, out h))
            {
                c = On(EvasionSteps.Case) && _tables.Lower.TryGetValue(h, out var hl) ? hl : h;
                steps |= EvasionSteps.Homoglyphs;
            }
            if (On(EvasionSteps.Traditional) && _tables.TraditionalToSimplified.TryGetValue(c, out var s)) { c = s; steps |= EvasionSteps.Traditional; }
            if (On(EvasionSteps.Digits) && _tables.Numerals.TryGetValue(c, out var num))
            {
                if (pattern)
                {
                    c = '0' + num.Value;
                    steps |= EvasionSteps.Digits;
                }
                else if (num.Kind == 'A' && PrimaryNumeral(num.Value) is { } primary)
                {
                    c = primary;
                    steps |= EvasionSteps.Digits;
                }
            }
            chars.Add(c);
        }
        var kept = chars.Where(c => !IsSeparator(c)).ToList();
        if (kept.Count == 0)
        {
            var c = chars.Count > 0 ? chars[0] : cp;
            if (pattern)
            {
                if (c == 0x3002) { c = '.'; } // IDEOGRAPHIC FULL STOP: the dot of choice in Chinese-written domains
                return c < 0x80 && PatternMarks.Contains((char)c) ? Pack(ActionUnit, (char)c, (ushort)steps, UnitClass.Other) : Pack(ActionDrop, 0, 0, 0);
            }
            if (On(EvasionSteps.Separators))
            {
                return Pack(ActionSeparator, 0, (ushort)EvasionSteps.Separators, 0);
            }
            var keep = CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.Control
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ? ' ' : c <= 0xFFFF ? (char)c : Opaque;
            return Pack(ActionUnit, keep, 0, UnitClass.Other);
        }
        if (kept.Count == 1 && kept[0] <= 0xFFFF)
        {
            return Pack(ActionUnit, (char)kept[0], (ushort)steps, Classify(kept[0]));
        }
        var text = string.Concat(kept.Select(c => c <= 0xFFFF ? ((char)c).ToString() : Opaque.ToString()));
        var classes = kept.Select(c => c <= 0xFFFF ? Classify(c) : UnitClass.Other).ToArray();
        _expansions.Add((text, classes));
        _maxExpansion = Math.Max(_maxExpansion, text.Length);
        return Pack(ActionExpand, (char)(_expansions.Count - 1), (ushort)steps, 0);
    }

    private char? PrimaryNumeral(int value)
    {
        foreach (var (cp, num) in _tables.Numerals)
        {
            if (num.Kind == 'P' && num.Value == value && cp is >= 0x4E00 and <= 0x9FFF)
            {
                return (char)cp;
            }
        }
        return null;
    }

    private static uint Pack(int action, int c, ushort steps, byte cls) =>
        (uint)(c & 0xFFFF) | (uint)(steps & 0x3FF) << 16 | (uint)action << 26 | (uint)cls << 29;

    internal static bool IsHan(int c) => c is >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or 0x3007;

    private static byte Classify(int c)
    {
        if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z') { return UnitClass.Latin; }
        if (c is >= '0' and <= '9') { return UnitClass.Digit; }
        return IsHan(c) ? UnitClass.Han : UnitClass.Other;
    }

    private static bool IsSeparator(int c) => IsSeparatorCategory(CharUnicodeInfo.GetUnicodeCategory(c));

    private static bool IsSeparatorCategory(UnicodeCategory cat) => cat is
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or
        UnicodeCategory.Control or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or
        UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or
        UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or
        UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol or
        UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
