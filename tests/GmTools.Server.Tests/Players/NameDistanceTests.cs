using GmTools.Server.Players;

namespace GmTools.Server.Tests.Players;

public sealed class NameDistanceTests
{
    [Theory]
    [InlineData("kairaren", "kairaren", 0)]
    [InlineData("kairaren", "kairamen", 1)] // substitution
    [InlineData("kairaren", "kiaraen", 2)]
    [InlineData("kairaren", "kaiaren", 1)] // deletion
    [InlineData("kairaren", "kairaeren", 1)] // insertion
    [InlineData("kairaren", "kiaraern", 2)]
    [InlineData("kairaren", "akiraren", 1)] // adjacent swap
    [InlineData("张三丰", "张三峰", 1)]
    [InlineData("张三丰", "三张丰", 1)]
    [InlineData("abcdef", "badcfe", 3)]
    [InlineData("", "abc", 3)]
    public void Edits_is_the_optimal_string_alignment_distance(string a, string b, int expected)
    {
        Assert.Equal(expected, NameDistance.Edits(NameDistance.CodePoints(a), NameDistance.CodePoints(b), 5));
        Assert.Equal(expected, NameDistance.Edits(NameDistance.CodePoints(b), NameDistance.CodePoints(a), 5));
    }

    [Fact]
    public void Edits_stops_at_the_cap_and_counts_code_points()
    {
        Assert.Equal(3, NameDistance.Edits(NameDistance.CodePoints("abcdefgh"), NameDistance.CodePoints("hgfedcba"), 2));
        Assert.Equal(3, NameDistance.Edits(NameDistance.CodePoints("ab"), NameDistance.CodePoints("abcdefgh"), 2));
        Assert.Equal(1, NameDistance.Edits(NameDistance.CodePoints("a😀b"), NameDistance.CodePoints("ab"), 2));
    }

    [Fact]
    public void Fewer_edits_always_rank_first_then_similarity()
    {
        Assert.True(NameDistance.Score(1, 0f) > NameDistance.Score(2, 1f));
        Assert.True(NameDistance.Score(0, 0f) > NameDistance.Score(1, 1f));
        Assert.True(NameDistance.Score(2, 0.5f) > NameDistance.Score(2, 0.4f));
        Assert.Equal(NameDistance.Score(3, 0.5f), NameDistance.Score(7, 0.5f));
    }
}
