using System.Globalization;
using System.Reflection;

namespace GmTools.Server.ChatWatch.Engine;

/// <summary>
/// The character data the normalizer is built from, read once from the generated <c>chartables.txt</c>
/// (tools/chatwatch/gen-tables.sh makes it from Unihan, OpenCC and the TR39 confusables).
/// </summary>
public sealed class CharTables
{
    public enum FoldKind : byte { Width, Styled, Accent, Digit }

    public readonly record struct Fold(FoldKind Kind, int[] To);

    public readonly record struct HanNumeral(int Value, char Kind);

    private static readonly Lazy<CharTables> Shared = new(Load);

    public static CharTables Instance => Shared.Value;

    public Dictionary<int, Fold> Folds { get; } = [];
    public Dictionary<int, int> Lower { get; } = [];
    public Dictionary<int, int> Homoglyphs { get; } = [];
    public List<(int From, int To)> Invisible { get; } = [];
    public Dictionary<int, int> TraditionalToSimplified { get; } = [];
    public Dictionary<int, HanNumeral> Numerals { get; } = [];
    /// <summary>Toneless readings, most common first; ü is written v.</summary>
    public Dictionary<char, string[]> Pinyin { get; } = [];
    public string Source { get; private set; } = "";

    public bool IsInvisible(int cp)
    {
        int lo = 0, hi = Invisible.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var (from, to) = Invisible[mid];
            if (cp < from) { hi = mid - 1; }
            else if (cp > to) { lo = mid + 1; }
            else { return true; }
        }
        return false;
    }

    private static CharTables Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("GmTools.Server.ChatWatch.Engine.chartables.txt")
            ?? throw new InvalidOperationException("chartables.txt is not embedded");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    internal static CharTables Parse(TextReader reader)
    {
        var t = new CharTables();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] == '#')
            {
                t.Source = line.TrimStart('#', ' ');
                continue;
            }
            var f = line.Split(' ');
            var cp = Hex(f[1]);
            switch (f[0])
            {
                case "F":
                    var kind = f[2] switch { "W" => FoldKind.Width, "S" => FoldKind.Styled, "A" => FoldKind.Accent, _ => FoldKind.Digit };
                    t.Folds[cp] = new Fold(kind, f.Skip(3).Select(Hex).ToArray());
                    break;
                case "L": t.Lower[cp] = Hex(f[2]); break;
                case "H": t.Homoglyphs[cp] = Hex(f[2]); break;
                case "I": t.Invisible.Add((cp, Hex(f[2]))); break;
                case "T": t.TraditionalToSimplified[cp] = Hex(f[2]); break;
                case "N": t.Numerals[cp] = new HanNumeral(f[2][0] - '0', f[3][0]); break;
                case "Y": t.Pinyin[(char)cp] = f[2].Split(','); break;
            }
        }
        return t;
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
