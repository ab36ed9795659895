using System.Globalization;
using System.Text;

namespace GmTools.Server.Players;

/// <summary>
/// Fuzzy search's ranking, computed on the candidates' name keys: edit distance first (optimal string alignment:
/// substitution, insertion, deletion and an adjacent swap each cost one), then trigram similarity as pg_trgm
/// computes it (words of letters and digits, padded with two blanks before and one after, set of trigrams,
/// shared / union).
/// </summary>
public static class NameDistance
{
    /// <summary>Names within this many edits of the query always match, whatever their similarity.</summary>
    public const int MaxEdits = 2;

    /// <summary>The sort key of a candidate: fewer edits first, then more similar. Capped at MaxEdits + 1 edits.</summary>
    public static float Score(int edits, float similarity) => 2f * (MaxEdits + 1 - Math.Min(edits, MaxEdits + 1)) + similarity;

    /// <summary>Code points, so a character outside the BMP counts once (as char_length does in PostgreSQL).</summary>
    public static int[] CodePoints(string s)
    {
        var points = new List<int>(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            points.Add(rune.Value);
        }
        return [.. points];
    }

    /// <summary>Optimal string alignment distance, or <paramref name="cap"/> + 1 when it is larger than <paramref name="cap"/>.</summary>
    public static int Edits(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int cap)
    {
        if (Math.Abs(a.Length - b.Length) > cap)
        {
            return cap + 1;
        }
        var width = b.Length + 1;
        Span<int> rows = a.Length < 64 && b.Length < 64 ? stackalloc int[3 * width] : new int[3 * width];
        Span<int> older = rows[..width], prev = rows[width..(2 * width)], cur = rows[(2 * width)..];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var d = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d = Math.Min(d, older[j - 2] + 1);
                }
                cur[j] = d;
                rowMin = Math.Min(rowMin, d);
            }
            if (rowMin > cap)
            {
                return cap + 1;
            }
            var spare = older;
            older = prev;
            prev = cur;
            cur = spare;
        }
        return Math.Min(prev[b.Length], cap + 1);
    }

    /// <summary>pg_trgm's similarity() of two strings (lower-cased, words of letters and digits).</summary>
    public static float Similarity(string a, string b)
    {
        var x = Trigrams(a);
        var y = Trigrams(b);
        if (x.Count == 0 || y.Count == 0)
        {
            return 0;
        }
        var shared = x.Count(y.Contains);
        return (float)shared / (x.Count + y.Count - shared);
    }

    internal static HashSet<string> Trigrams(string s)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var rune in (s.ToLower(CultureInfo.InvariantCulture) + " ").EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(rune.ToString());
                continue;
            }
            if (word.Length > 0)
            {
                var padded = CodePoints("  " + word + " ");
                for (var i = 0; i + 3 <= padded.Length; i++)
                {
                    set.Add(string.Concat(padded[i..(i + 3)].Select(char.ConvertFromUtf32)));
                }
                word.Clear();
            }
        }
        return set;
    }
}
