using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using GmTools.Server.ChatWatch.Engine;

namespace GmTools.Bench;

/// <summary>
/// The chat rule engine alone: a 10,000-term dictionary (starter terms plus generated Chinese and Latin terms, each
/// with its pinyin spellings), every normalization step on, the starter patterns and allowlist, scoring a fixed mix
/// of world-chat lines (mostly ordinary, one in ten disguised). The baseline reads every character of the same
/// lines once (a checksum), so the engine's figure can be read against what the machine gives that run.
/// </summary>
[Config(typeof(Config))]
public class ChatRuleEngineBench
{
    public const int Lines = 10_000;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In process: no second build of the solution (which times out on a busy 2-core machine).
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short-inprocess"));
            WithArtifactsPath(Path.Combine(Path.GetTempPath(), "gmtools-bench-artifacts"));
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }

    private RuleSet _rules = RuleSet.Empty;
    private string[] _lines = [];

    [GlobalSetup]
    public void Setup()
    {
        _rules = RuleSet.Compile(Dictionary(10_000));
        _lines = SampleLines(Lines);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lines)]
    public int ReadEveryCharacter()
    {
        var sum = 0;
        foreach (var line in _lines)
        {
            foreach (var c in line) { sum += c; }
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int ScoreLine()
    {
        var flagged = 0;
        foreach (var line in _lines)
        {
            if (_rules.Score(line).Flagged) { flagged++; }
        }
        return flagged;
    }

    public static RuleDocument Dictionary(int size)
    {
        var starter = StarterRules.Document();
        var terms = new List<TermRule>(starter.Terms);
        var seen = new HashSet<string>(terms.Select(t => t.Text));
        var rnd = new Random(42);
        var han = CharTables.Instance.Pinyin.Keys.Where(c => c is >= '\u4E00' and <= '\u9FA5').Take(3500).ToArray();
        string[] categories = [StarterRules.Abuse, StarterRules.Ads, StarterRules.Contact, StarterRules.Politics];
        var normalizer = new Normalizer(EvasionSteps.All);
        var keys = new HashSet<string>(terms.Select(t => normalizer.NormalizeTerm(t.Text, out _)));
        while (terms.Count < size)
        {
            var sb = new StringBuilder();
            if (rnd.Next(5) == 0)
            {
                var n = rnd.Next(5, 10);
                for (var i = 0; i < n; i++) { sb.Append((char)('a' + rnd.Next(26))); }
            }
            else
            {
                var n = rnd.Next(2, 5);
                for (var i = 0; i < n; i++) { sb.Append(han[rnd.Next(han.Length)]); }
            }
            var text = sb.ToString();
            if (seen.Add(text) && keys.Add(normalizer.NormalizeTerm(text, out _)))
            {
                terms.Add(new TermRule(text, categories[rnd.Next(categories.Length)]));
            }
        }
        return starter with { Terms = terms };
    }

    public static string[] SampleLines(int count)
    {
        string[] ordinary =
        [
            "有人组队打熔火之心吗", "今晚八点公会战，大家准时上线", "谁有多余的屠龙刀，我用金币换", "新手求带，等级35",
            "这个任务怎么做啊", "哈哈哈笑死我了", "我们去死亡矿井吧", "他出手太快了", "坐标123,456有boss", "服务器好卡啊",
            "anyone for deadmines?", "need a healer", "what class should i pick", "gg well played", "lol that was close",
            "brb dinner", "thanks for the assist", "lfg molten core need dps", "世界boss刷新了，快来", "周末双倍经验",
        ];
        string[] disguised =
        [
            "加✨微💰信 送元宝", "ｆｕｃｋ you", "出售金幣 便宜", "jia wei xin 123", "qq:①②③④⑤⑥⑦⑧", "fυсk off",
            "傻 逼", "f\u200Bu\u200Bc\u200Bk", "www.cheap-gold.com", "nmsl",
        ];
        var rnd = new Random(7);
        var lines = new string[count];
        for (var i = 0; i < count; i++)
        {
            lines[i] = rnd.Next(10) == 0 ? disguised[rnd.Next(disguised.Length)] : ordinary[rnd.Next(ordinary.Length)];
        }
        return lines;
    }

    public static int Run(string[] args)
    {
        BenchmarkRunner.Run<ChatRuleEngineBench>(args: args);
        return 0;
    }
}
