using GmTools.Bench;
using GmTools.Server.Players;

namespace GmTools.Server.Tests.Bench;

/// <summary>The fuzzy recall set and its scoring: fixed by its seed, each query the kind of typo it says, scored by player.</summary>
public sealed class NameRecallTests
{
    private static readonly (string, string)[] Targets =
    [
        ("p1", "ShadowWolf88"), ("p2", "Kairaren"), ("p3", "张三丰"), ("p4", "王伟"), ("p5", "Thorinvel"), ("p6", "李逍遥天"),
        ("p7", "xXMorgalXx"), ("p8", "Abc"), ("p9", "StormBlade"), ("p10", "Elithzar412"),
    ];

    [Fact]
    public void The_same_seed_gives_the_same_queries_and_another_seed_others()
    {
        var a = NameRecall.Build(Targets, seed: 42);
        Assert.Equal(a, NameRecall.Build(Targets, seed: 42));
        Assert.NotEqual(a.Select(q => q.Query), NameRecall.Build(Targets, seed: 7).Select(q => q.Query));
    }

    [Fact]
    public void Each_query_is_the_typo_its_kind_says()
    {
        var queries = Enumerable.Range(0, 50).SelectMany(seed => NameRecall.Build(Targets, seed)).ToList();

        Assert.DoesNotContain(queries, q => q.Name == "王伟"); // too short for a typo
        Assert.DoesNotContain(queries, q => q.Name == "张三丰" && q.Kind == TypoKind.Two); // too short for two
        Assert.Contains(queries, q => q.Name == "李逍遥天" && q.Kind == TypoKind.OneSameLength);
        foreach (var q in queries)
        {
            var name = NameDistance.CodePoints(q.Name);
            var query = NameDistance.CodePoints(q.Query);
            var edits = NameDistance.Edits(name, query, 5);
            Assert.Equal(name[0], query[0]); // the first character is never the typo
            switch (q.Kind)
            {
                case TypoKind.OneSameLength:
                    Assert.Equal((name.Length, 1), (query.Length, edits));
                    break;
                case TypoKind.OneLonger:
                    Assert.Equal((name.Length + 1, 1), (query.Length, edits));
                    break;
                case TypoKind.OneShorter:
                    Assert.Equal((name.Length - 1, 1), (query.Length, edits));
                    break;
                default:
                    Assert.InRange(edits, 1, 2);
                    Assert.InRange(query.Length, name.Length - 2, name.Length + 2);
                    break;
            }
            if (q.Name.Any(c => c is >= '\u4e00' and <= '\u9fff'))
            {
                Assert.All(q.Query, c => Assert.InRange(c, '\u4e00', '\u9fff')); // a CJK name gets CJK typos
            }
        }
        Assert.All(Enum.GetValues<TypoKind>(), k => Assert.Contains(queries, q => q.Kind == k));
    }

    [Fact]
    public void Recall_counts_the_intended_player_on_the_first_page_by_kind()
    {
        var tally = new RecallTally();
        Assert.True(double.IsNaN(tally.Percent(RecallTally.OneTypo)));

        tally.Add(new RecallQuery("p1", "ShadowWolf", "ShadowWlf", TypoKind.OneShorter), ["p9", "p1"]);
        tally.Add(new RecallQuery("p2", "Kairaren", "Kairarren", TypoKind.OneLonger), ["p3"]); // a namesake is not the player
        tally.Add(new RecallQuery("p3", "Thorinvel", "Thorunvel", TypoKind.OneSameLength), ["p3"]);
        tally.Add(new RecallQuery("p4", "StormBlade", "StarmBlode", TypoKind.Two), []);

        Assert.Equal(3, tally.Count(RecallTally.OneTypo));
        Assert.Equal(200.0 / 3, tally.Percent(RecallTally.OneTypo), 6);
        Assert.Equal(0, tally.Percent(TypoKind.OneLonger));
        Assert.Equal(100, tally.Percent(TypoKind.OneShorter));
        Assert.Equal(0, tally.Percent(TypoKind.Two));
    }
}
