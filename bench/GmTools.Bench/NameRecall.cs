using GmTools.Server.Players;

namespace GmTools.Bench;

/// <summary>How a recall query was made from its player's name.</summary>
public enum TypoKind
{
    /// <summary>One character replaced or two neighbours swapped: the same length.</summary>
    OneSameLength,

    /// <summary>One character inserted: the query is one character longer.</summary>
    OneLonger,

    /// <summary>One character deleted: the query is one character shorter.</summary>
    OneShorter,

    /// <summary>Two of the edits above at two different places (the length may change by up to two).</summary>
    Two,
}

/// <summary>A fuzzy query whose intended player is known.</summary>
public sealed record RecallQuery(string PlayerId, string Name, string Query, TypoKind Kind);

/// <summary>
/// The fuzzy-search recall set: for each target player, seeded typos of its name. One-typo queries for names of 3+
/// characters, two-typo queries for names of 6+ (two wrong characters in a shorter name leave too little of it).
/// Edits never touch the first character (people rarely get it wrong; as the players verb always did). Same seed,
/// same targets: same queries.
/// </summary>
public static class NameRecall
{
    public const int MinLengthOneTypo = 3;
    public const int MinLengthTwoTypos = 6;

    private const string CjkTypos = "的一是了我不人在";

    public static List<RecallQuery> Build(IEnumerable<(string PlayerId, string Name)> targets, int seed)
    {
        var random = new Random(seed);
        var queries = new List<RecallQuery>();
        foreach (var (id, name) in targets)
        {
            var points = NameDistance.CodePoints(name);
            if (points.Length < MinLengthOneTypo)
            {
                continue;
            }
            var kind = (TypoKind)random.Next(3);
            queries.Add(new RecallQuery(id, name, Edit(points, kind, random), kind));
            if (points.Length >= MinLengthTwoTypos)
            {
                queries.Add(new RecallQuery(id, name, TwoEdits(points, random), TypoKind.Two));
            }
        }
        return queries;
    }

    /// <summary>One edit at a random place after the first character.</summary>
    internal static string Edit(int[] name, TypoKind kind, Random random) => Text(EditPoints(name, kind, random, 1, name.Length));

    /// <summary>Two edits: one in each half of the name, each a random kind.</summary>
    internal static string TwoEdits(int[] name, Random random)
    {
        var half = name.Length / 2;
        // The later half first, so the earlier edit's place is still where it was in the name.
        var once = EditPoints(name, RandomKind(random), random, half, name.Length);
        return Text(EditPoints(once, RandomKind(random), random, 1, half));
    }

    private static TypoKind RandomKind(Random random) => (TypoKind)random.Next(3);

    /// <summary>An edit at a place in [from, to) (a swap exchanges it with the character before it, never with the first).</summary>
    private static int[] EditPoints(int[] name, TypoKind kind, Random random, int from, int to)
    {
        var i = random.Next(from, Math.Max(from + 1, to));
        var other = OtherCharacter(name, i, random);
        var list = name.ToList();
        switch (kind)
        {
            case TypoKind.OneLonger:
                list.Insert(i, other);
                break;
            case TypoKind.OneShorter:
                list.RemoveAt(Math.Min(i, list.Count - 1));
                break;
            default:
                if (random.Next(2) == 0 && i > 1 && i < list.Count && list[i] != list[i - 1])
                {
                    (list[i], list[i - 1]) = (list[i - 1], list[i]);
                }
                else
                {
                    list[Math.Min(i, list.Count - 1)] = other;
                }
                break;
        }
        return [.. list];
    }

    /// <summary>A character that is not the one at <paramref name="i"/>: a CJK one in a CJK name, a letter otherwise.</summary>
    private static int OtherCharacter(int[] name, int i, Random random)
    {
        var current = i < name.Length ? name[i] : -1;
        var cjk = name.Any(c => c is >= 0x4e00 and <= 0x9fff);
        while (true)
        {
            int c = cjk ? CjkTypos[random.Next(CjkTypos.Length)] : 'a' + random.Next(26);
            if (c != current)
            {
                return c;
            }
        }
    }

    private static string Text(int[] points) => string.Concat(points.Select(char.ConvertFromUtf32));
}

/// <summary>Recall by kind: the share of queries whose intended player was on the first page.</summary>
public sealed class RecallTally
{
    private readonly Dictionary<TypoKind, (int Found, int Total)> _byKind = [];

    public void Add(RecallQuery query, IEnumerable<string> firstPagePlayerIds)
    {
        var (found, total) = _byKind.GetValueOrDefault(query.Kind);
        _byKind[query.Kind] = (found + (firstPagePlayerIds.Contains(query.PlayerId) ? 1 : 0), total + 1);
    }

    public int Count(params TypoKind[] kinds) => kinds.Sum(k => _byKind.GetValueOrDefault(k).Total);

    /// <summary>Percent found over the given kinds; NaN when none was asked.</summary>
    public double Percent(params TypoKind[] kinds)
    {
        var found = kinds.Sum(k => _byKind.GetValueOrDefault(k).Found);
        var total = Count(kinds);
        return total == 0 ? double.NaN : 100.0 * found / total;
    }

    public static readonly TypoKind[] OneTypo = [TypoKind.OneSameLength, TypoKind.OneLonger, TypoKind.OneShorter];
}
