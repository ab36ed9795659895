using System.Globalization;
using System.Text;
using GmTools.Server.ChatWatch.Engine;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace GmTools.Server.Tests.ChatWatch;

public sealed class RuleEngineTests
{
    private static readonly RuleSet Rules = RuleSet.Compile(StarterRules.Document());

    [Theory]
    [InlineData("你就是个傻逼", "傻逼", EvasionSteps.None)]
    [InlineData("FuCk you", "fuck", EvasionSteps.Case)]
    [InlineData("ｆｕｃｋ", "fuck", EvasionSteps.Width)]
    [InlineData("ⓕⓤⓒⓚ off", "fuck", EvasionSteps.Styled)]
    [InlineData("Ⓕⓤⓒⓚ off", "fuck", EvasionSteps.Styled)]
    [InlineData("\U0001D41F\U0001D42E\U0001D41C\U0001D424", "fuck", EvasionSteps.Styled)]
    [InlineData("出售金幣", "出售金币", EvasionSteps.Traditional)]
    [InlineData("fυсk", "fuck", EvasionSteps.Homoglyphs)]
    [InlineData("f\u200Bu\u200Dc\u2060k", "fuck", EvasionSteps.Invisible)]
    [InlineData("f u c k", "fuck", EvasionSteps.Separators)]
    [InlineData("加✨微💰信", "加微信", EvasionSteps.Separators)]
    [InlineData("fuuuuuck", "fuck", EvasionSteps.Repeats)]
    [InlineData("傻傻傻逼逼", "傻逼", EvasionSteps.Repeats)]
    [InlineData("jia wei xin", "加微信", EvasionSteps.Pinyin)]
    [InlineData("JIAWEIXIN", "加微信", EvasionSteps.Pinyin)]
    [InlineData("nmsl", "你妈死了", EvasionSteps.Pinyin)]
    [InlineData("加wei信", "加微信", EvasionSteps.Pinyin)]
    [InlineData("ａ ｓ ｓ ｈ ｏ ｌ ｅ", "asshole", EvasionSteps.Width | EvasionSteps.Separators)]
    public void Each_evasion_is_caught_and_reported(string line, string term, EvasionSteps steps)
    {
        var score = Rules.Score(line);
        var match = Assert.Single(score.Matches, m => m.Term == term);
        Assert.True((match.Steps & steps) == steps, $"steps {match.Steps} lack {steps}");
        Assert.True(match.Start >= 0 && match.Start + match.Length <= line.Length);
    }

    [Theory]
    [InlineData("我们去死亡矿井吧")]
    [InlineData("what class should i pick")]
    [InlineData("thanks for the assist")]
    [InlineData("the grass is green")]
    [InlineData("he passed the glass")]
    [InlineData("他出手太快了")]
    [InlineData("of uck")]
    [InlineData("shitake mushrooms")]
    [InlineData("坐标123,456")]
    [InlineData("我60级了，还差3000金")]
    public void Innocent_look_alikes_are_not_flagged(string line)
    {
        var score = Rules.Score(line);
        Assert.False(score.Flagged, string.Join(", ", score.Matches.Select(m => $"{m.Rule} {m.Term}")));
    }

    [Fact]
    public void A_match_reports_its_span_in_the_original_text()
    {
        const string line = "大家好 f.u.c.k 你";
        var m = Assert.Single(Rules.Score(line).Matches);
        Assert.Equal("f.u.c.k", line.Substring(m.Start, m.Length));
        Assert.Equal(StarterRules.Abuse, m.Category);
        Assert.Equal("term", m.Rule);
    }

    [Theory]
    [InlineData("加扣扣①②③④⑤⑥⑦⑧⑨送元宝", "pattern:qq")]
    [InlineData("qq:⑴⑵⑶⑷⑸⑹⑺⑻", "pattern:qq")]
    [InlineData("Q 一二三四五六七八", "pattern:qq")]
    [InlineData("企鹅 壹贰叁肆伍陆柒捌", "pattern:qq")]
    [InlineData("扣扣㈠㈡㈢㈣㈤㈥", "pattern:qq")]
    [InlineData("打 1 3 8 1 2 3 4 5 6 7 8", "pattern:phone")]
    [InlineData("vx: abc_12345", "pattern:wechat")]
    [InlineData("go to www.cheap-gold.com now", "pattern:url")]
    [InlineData("ｇｏｌｄ４ｕ．ｃｏｍ", "pattern:url")]
    [InlineData("discord.gg/abc123", "pattern:invite")]
    [InlineData("mail me: seller@gold-shop.net", "pattern:email")]
    public void Contact_patterns_match_after_normalization(string line, string rule)
    {
        var score = Rules.Score(line);
        Assert.Contains(score.Matches, m => m.Rule == rule && m.Category == StarterRules.Contact);
    }

    [Fact]
    public void A_step_switched_off_for_a_category_no_longer_undoes_that_evasion()
    {
        var doc = StarterRules.Document() with
        {
            Categories = [new(StarterRules.Abuse, EvasionSteps.All & ~EvasionSteps.Separators)],
        };
        var rules = RuleSet.Compile(doc);
        Assert.False(rules.Score("f u c k").Flagged);
        Assert.True(rules.Score("fuck").Flagged);
        Assert.True(rules.Score("加 微 信").Flagged); // contact keeps every step
    }

    [Theory]
    [InlineData("", "terms[0].text")]
    [InlineData("...", "terms[0].text")]
    public void An_empty_term_is_refused(string term, string field)
    {
        var e = Assert.Throws<RuleDocumentException>(() => RuleSet.Compile(new RuleDocument([], [new(term, "abuse")], [], [])));
        Assert.Contains(e.Violations, v => v.Field == field);
    }

    [Fact]
    public void A_term_in_two_categories_is_refused_even_when_written_differently()
    {
        var e = Assert.Throws<RuleDocumentException>(() => RuleSet.Compile(new RuleDocument([], [new("代练", "ads"), new("代練", "abuse")], [], [])));
        Assert.Equal("terms[1].text", Assert.Single(e.Violations).Field);
    }

    [Theory]
    [InlineData("(abc")]
    [InlineData(@"(a)\1")]
    [InlineData("(?=abc)x")]
    [InlineData("a{1,100000}")]
    [InlineData("(a|b|ab)*{5000}")]
    [InlineData("x*")]
    public void Bad_and_catastrophic_patterns_are_refused(string regex)
    {
        var e = Assert.Throws<RuleDocumentException>(() => RuleSet.Compile(new RuleDocument([], [], [new("p", regex, "contact")], [])));
        Assert.Equal("patterns[0].regex", Assert.Single(e.Violations).Field);
    }

    [Fact]
    public void A_classic_catastrophic_backtracking_pattern_runs_in_linear_time()
    {
        var rules = RuleSet.Compile(new RuleDocument([], [], [new("evil", "(a+)+$z", "contact")], []));
        var line = new string('a', 5000) + "!";
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.False(rules.Score(line).Flagged);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Flood_rule_counts_a_players_lines_in_a_sliding_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
        var windows = new ChatWindows(new FloodRule(3, TimeSpan.FromSeconds(10)), new WaveRule(3, TimeSpan.FromMinutes(1), 4), clock);
        Assert.False(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p1"));
        Assert.True(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p2"));
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.False(windows.RecordLine("p1"));
    }

    [Fact]
    public void Flood_rule_catches_a_burst_that_straddles_a_window_boundary()
    {
        // 3 lines at 00:00:09 and 1 at 00:00:11: a window of fixed 10-s buckets sees 3 and 1, the sliding one 4 within 2 s.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:09Z", CultureInfo.InvariantCulture));
        var windows = new ChatWindows(new FloodRule(3, TimeSpan.FromSeconds(10)), new WaveRule(3, TimeSpan.FromMinutes(1), 4), clock);
        Assert.False(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p1"));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(windows.RecordLine("p1"));
        clock.Advance(TimeSpan.FromSeconds(8)); // 00:00:19: the first three have left the window, the fourth not
        Assert.False(windows.RecordLine("p1"));
        Assert.False(windows.RecordLine("p1"));
        Assert.True(windows.RecordLine("p1"));
    }

    [Fact]
    public void Wave_rule_counts_distinct_senders_of_the_same_normalized_text()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
        var windows = new ChatWindows(new FloodRule(100, TimeSpan.FromSeconds(10)), new WaveRule(3, TimeSpan.FromMinutes(1), 4), clock);
        var key1 = Rules.NormalizedKey("低价金币 速来");
        var key2 = Rules.NormalizedKey("低 价 金 幣 速 來！！");
        Assert.Equal(key1, key2);
        Assert.Equal(1, windows.RecordText(key1, "a"));
        Assert.Equal(1, windows.RecordText(key1, "a"));
        Assert.Equal(2, windows.RecordText(key2, "b"));
        Assert.True(windows.IsWave(windows.RecordText(key1, "c")));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, windows.RecordText(key1, "d"));
        Assert.Equal(0, windows.RecordText(Rules.NormalizedKey("hi"), "e"));
    }

    [Fact]
    public void Tens_of_thousands_of_terms_compile_and_score()
    {
        var rnd = new Random(7);
        var han = CharTables.Instance.Pinyin.Keys.Where(c => c is >= '\u4E00' and <= '\u9FA5').Take(3000).ToArray();
        var terms = new HashSet<string>();
        while (terms.Count < 20_000)
        {
            var sb = new StringBuilder();
            var n = rnd.Next(2, 5);
            for (var i = 0; i < n; i++) { sb.Append(han[rnd.Next(han.Length)]); }
            terms.Add(sb.ToString());
        }
        var doc = new RuleDocument([], [.. terms.Select(t => new TermRule(t, "ads"))], StarterRules.Patterns, StarterRules.Allowlist);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        RuleSet rules;
        try
        {
            rules = RuleSet.Compile(doc);
        }
        catch (RuleDocumentException)
        {
            // Random terms can collide after normalization only within one category, which is not an error.
            throw;
        }
        var compile = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var probe = terms.First();
        Assert.True(rules.Score("hello " + probe + " world").Flagged);
        Assert.True(compile < TimeSpan.FromSeconds(30), $"compile took {compile}");
    }
}

public sealed class EvalTests(ITestOutputHelper output)
{
    [Fact]
    public void Held_out_sample_meets_recall_and_false_positive_targets()
    {
        var rules = RuleSet.Compile(StarterRules.Document());
        var report = new StringBuilder();
        foreach (var split in new[] { 0, 1 })
        {
            var disguised = EvalSample.Disguised(split);
            var ordinary = EvalSample.Ordinary(split);
            report.AppendLine(CultureInfo.InvariantCulture, $"split {split} ({(split == 0 ? "development" : "held out")}): {disguised.Count} disguised, {ordinary.Count} ordinary");
            report.AppendLine("| technique | zh caught | en caught |");
            report.AppendLine("|---|---|---|");
            var missed = new List<string>();
            foreach (var technique in EvalSample.Techniques)
            {
                var cells = new List<string>();
                foreach (var lang in new[] { "zh", "en" })
                {
                    var set = disguised.Where(l => l.Technique == technique && l.Language == lang).ToList();
                    if (set.Count == 0) { cells.Add("—"); continue; }
                    var caught = set.Count(l => rules.Score(l.Text).Matches.Any(m => m.Category == l.Category));
                    missed.AddRange(set.Where(l => !rules.Score(l.Text).Matches.Any(m => m.Category == l.Category)).Select(l => $"{technique}/{lang}: {l.Text} ({l.Term})"));
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{caught}/{set.Count} ({100.0 * caught / set.Count:F1} %)"));
                }
                report.AppendLine(CultureInfo.InvariantCulture, $"| {technique} | {cells[0]} | {cells[1]} |");
            }
            var recall = disguised.Count(l => rules.Score(l.Text).Matches.Any(m => m.Category == l.Category)) / (double)disguised.Count;
            report.AppendLine(CultureInfo.InvariantCulture, $"recall overall: {100 * recall:F1} %");
            var falsePositives = new List<string>();
            foreach (var lang in new[] { "zh", "en" })
            {
                var set = ordinary.Where(l => l.Language == lang).ToList();
                var flagged = set.Where(l => rules.Score(l.Text).Flagged).ToList();
                falsePositives.AddRange(flagged.Select(l => l.Text + " -> " + string.Join(",", rules.Score(l.Text).Matches.Select(m => m.Term))));
                report.AppendLine(CultureInfo.InvariantCulture, $"false positives {lang}: {flagged.Count}/{set.Count} ({100.0 * flagged.Count / set.Count:F2} %)");
            }
            foreach (var m in missed.Take(40)) { report.AppendLine("  missed " + m); }
            foreach (var f in falsePositives.Distinct().Take(20)) { report.AppendLine("  false positive " + f); }
            var fpRate = falsePositives.Count / (double)ordinary.Count;
            if (split == 1)
            {
                output.WriteLine(report.ToString());
                Assert.True(recall >= 0.95, $"recall {recall:P1}\n{report}");
                Assert.True(fpRate <= 0.01, $"false positives {fpRate:P2}\n{report}");
                foreach (var technique in EvalSample.Techniques)
                {
                    var set = disguised.Where(l => l.Technique == technique).ToList();
                    var caught = set.Count(l => rules.Score(l.Text).Matches.Any(m => m.Category == l.Category));
                    Assert.True(caught >= 0.9 * set.Count, $"{technique}: {caught}/{set.Count}\n{report}");
                }
            }
        }
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "chatwatch-eval.txt"), report.ToString());
    }
}
