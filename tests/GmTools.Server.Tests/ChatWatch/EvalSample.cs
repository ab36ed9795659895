using System.Text;
using GmTools.Server.ChatWatch.Engine;

namespace GmTools.Server.Tests.ChatWatch;

/// <summary>
/// The evaluation sample: disguised lines made by a seeded generator from the starter term lists, one disguise
/// technique per line (plus stacked ones), and ordinary world-chat lines from hand-written templates with innocent
/// look-alikes. Carrier sentences and ordinary templates are split in two halves: the engine was developed against
/// split 0; the targets are asserted on split 1 (held out).
/// </summary>
public static class EvalSample
{
    public sealed record Line(string Text, string Language, string Technique, string? Category, string? Term);

    public static readonly string[] Techniques =
    [
        "plain", "case", "fullwidth", "digit-styles", "styled-letters", "traditional", "homoglyphs", "invisible",
        "separators", "emoji", "repeats", "pinyin-full", "pinyin-spaced", "pinyin-initials", "pinyin-mixed", "stacked",
    ];

    private static readonly string[][] CarriersZh =
    [
        ["{0}", "兄弟们{0}", "{0}啊", "世界频道:{0}", "刚才那个人{0}", "{0}！！！", "喂{0}", "{0}快来"],
        ["今天{0}", "{0}哈哈", "大家注意{0}", "【{0}】", "{0}，速度", "听说{0}", "老板{0}", "{0}呀"],
    ];

    private static readonly string[][] CarriersEn =
    [
        ["{0}", "hey {0}", "{0} lol", "guys {0} now", "{0}!!!", "you {0}", "ok {0} ok", "{0} pls"],
        ["lmao {0}", "{0} right here", "team: {0}", "{0} asap", "yo {0}", "{0}, seriously", "so {0}", "just {0}"],
    ];

    private static readonly string[][] OrdinaryZh =
    [
        ["有人组队打{d}吗", "{d}还差一个奶妈", "今晚八点公会战，大家准时上线", "谁有多余的{i}，我用金币换", "刚出了一把{i}，开心",
         "新手求带，等级{n}", "这个任务怎么做啊", "副本{d}太难了", "求个师傅带我", "哈哈哈笑死我了", "我们去死亡矿井吧",
         "他出手太快了", "这把{i}属性不错", "公会招人，活跃就行", "有没有人一起挖矿", "服务器好卡啊", "坐标{n},{n}有boss",
         "我{n}级了，终于可以转职", "明天活动几点开始", "谢谢大佬带飞", "{d}门口集合", "刚才掉线了，谁拉我一下",
         "加油加油，马上就赢了", "这个boss血好厚", "天气好冷，大家注意保暖", "去死亡矿井刷装备的来", "今天运气真好",
         "谁知道{i}在哪里买", "打完这把就下线", "求组固定队，周末一起玩"],
        ["晚上一起刷{d}", "有没有{d}的攻略", "交易行{i}涨价了", "我的{i}强化失败了", "队伍缺输出，来个法师",
         "新区开服了，冲冲冲", "帮会领地战准备好了吗", "有人在{d}吗", "大家晚上好", "刚充了月卡", "这游戏越来越好玩了",
         "求一个{i}，价格好说", "周末双倍经验", "我先去吃饭了", "等我一下，马上来", "大佬收徒吗", "今天的日常做完了",
         "世界boss刷新了，快来", "有人知道隐藏任务吗", "师傅带我过{d}", "这个称号好帅", "卡了{n}分钟了", "我出手慢了一步",
         "全服第一公会招人", "谁想去死亡矿井", "等级{n}的装备哪里爆", "好久没上线了", "今晚有烟花活动", "求好友互刷亲密度",
         "中午好各位"],
    ];

    private static readonly string[][] OrdinaryEn =
    [
        ["anyone for {d}?", "need a healer for {d}", "lf tank {d}", "wts {i} pm offers in game", "gg well played",
         "what class should i pick", "thanks for the assist", "my assassin hit level {n}", "the grass zone is so pretty",
         "pass me the potion", "need {n} more gold for {i}", "glass cannon build is fun", "where is the compass quest",
         "i assume the raid starts at 8", "server lag again", "who wants to duel", "lol that was close", "brb dinner",
         "classic mode is back", "guild recruiting active players", "nice shot", "i love this game", "any tips for {d}",
         "follow the bass music in the cave", "that boss is a beast", "cocktail party in the tavern tonight", "ty all",
         "meet at {n},{n}", "shitake mushrooms drop in the forest", "queue is long today"],
        ["lfg {d} need dps", "how do i get {i}", "selling nothing just saying hi", "see you tomorrow", "is {d} hard?",
         "need one more for {d}", "my class is mage", "good game team", "embarrassing wipe lol", "group up at the bridge",
         "passion for pvp", "the assist system is great", "anyone seen the world boss", "level {n} finally", "afk 5 min",
         "thanks for the carry", "congrats on the drop", "who is online", "let's do {d} again", "trade {i} for {i}?",
         "clan war at 9", "that skyscraper map is huge", "classic raid tonight", "need help with the quest", "gl everyone",
         "reset in {n} minutes", "scunthorpe united fan here", "dps check failed", "ok i'm back", "nice build"],
    ];

    private static readonly string[] Dungeons = ["熔火之心", "黑石深渊", "死亡矿井", "血色修道院", "Molten Core", "Deadmines", "Shadow Keep"];
    private static readonly string[] Items = ["屠龙刀", "神圣之盾", "火焰法杖", "dragon sword", "holy shield", "fire staff"];

    public static IReadOnlyList<Line> Disguised(int split, int perTechniquePerLanguage = 24)
    {
        var tables = CharTables.Instance;
        var rnd = new Random(1000 + split);
        var zhTerms = Terms(StarterRules.AbuseZh, StarterRules.Abuse).Concat(Terms(StarterRules.AdsZh, StarterRules.Ads))
            .Concat(Terms(StarterRules.ContactZh, StarterRules.Contact)).Concat(Terms(StarterRules.PoliticsZh, StarterRules.Politics)).ToList();
        var enTerms = Terms(StarterRules.AbuseEn, StarterRules.Abuse).Concat(Terms(StarterRules.AdsEn, StarterRules.Ads))
            .Concat(Terms(StarterRules.ContactEn, StarterRules.Contact)).ToList();
        var lines = new List<Line>();
        foreach (var technique in Techniques)
        {
            foreach (var language in new[] { "zh", "en" })
            {
                if (!Applies(technique, language))
                {
                    continue;
                }
                for (var k = 0; k < perTechniquePerLanguage; k++)
                {
                    if (technique == "digit-styles")
                    {
                        lines.Add(ContactNumberLine(rnd, language, split));
                        continue;
                    }
                    var pool = language == "zh" ? zhTerms : enTerms;
                    var (term, category) = pool[rnd.Next(pool.Count)];
                    if (technique == "pinyin-initials" && term.Length < 3)
                    {
                        k--;
                        continue;
                    }
                    var disguised = Disguise(technique, term, rnd, tables);
                    var carriers = (language == "zh" ? CarriersZh : CarriersEn)[split];
                    var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, carriers[rnd.Next(carriers.Length)], disguised);
                    lines.Add(new Line(text, language, technique, category, term));
                }
            }
        }
        return lines;
    }

    public static IReadOnlyList<Line> Ordinary(int split, int perLanguage = 650)
    {
        var rnd = new Random(2000 + split);
        var lines = new List<Line>();
        foreach (var (language, templates) in new[] { ("zh", OrdinaryZh[split]), ("en", OrdinaryEn[split]) })
        {
            for (var k = 0; k < perLanguage; k++)
            {
                var t = templates[rnd.Next(templates.Length)];
                var text = Fill(t, rnd, language);
                lines.Add(new Line(text, language, "ordinary", null, null));
            }
        }
        return lines;
    }

    private static string Fill(string template, Random rnd, string language)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 2 < template.Length && template[i + 2] == '}')
            {
                var slot = template[i + 1];
                var zhFirst = language == "zh";
                sb.Append(slot switch
                {
                    'd' => Dungeons[zhFirst ? rnd.Next(4) : 4 + rnd.Next(3)],
                    'i' => Items[zhFirst ? rnd.Next(3) : 3 + rnd.Next(3)],
                    _ => rnd.Next(1, 2000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                i += 2;
            }
            else
            {
                sb.Append(template[i]);
            }
        }
        return sb.ToString();
    }

    private static IEnumerable<(string, string)> Terms(string[] words, string category) => words.Select(w => (w, category));

    private static bool Applies(string technique, string language) => technique switch
    {
        "case" or "styled-letters" or "homoglyphs" or "fullwidth" => language == "en" || technique == "fullwidth",
        "traditional" or "pinyin-full" or "pinyin-spaced" or "pinyin-initials" or "pinyin-mixed" => language == "zh",
        _ => true,
    };

    /// <summary>A QQ number or phone written in one of the digit styles the issue lists.</summary>
    private static Line ContactNumberLine(Random rnd, string language, int split)
    {
        var digits = new StringBuilder();
        var n = rnd.Next(8, 11);
        digits.Append((char)('1' + rnd.Next(9)));
        for (var i = 1; i < n; i++) { digits.Append((char)('0' + rnd.Next(10))); }
        string[][] styles =
        [
            ["⓪", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"],
            ["0", "⑴", "⑵", "⑶", "⑷", "⑸", "⑹", "⑺", "⑻", "⑼"],
            ["0", "⒈", "⒉", "⒊", "⒋", "⒌", "⒍", "⒎", "⒏", "⒐"],
            ["⓪", "⓵", "⓶", "⓷", "⓸", "⓹", "⓺", "⓻", "⓼", "⓽"],
            ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"],
            ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"],
            ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"],
            ["〇", "㈠", "㈡", "㈢", "㈣", "㈤", "㈥", "㈦", "㈧", "㈨"],
            ["〇", "㊀", "㊁", "㊂", "㊃", "㊄", "㊅", "㊆", "㊇", "㊈"],
            ["０", "１", "２", "３", "４", "５", "６", "７", "８", "９"],
        ];
        var style = styles[rnd.Next(styles.Length)];
        var written = string.Concat(digits.ToString().Select(d => style[d - '0']));
        string[] cuesZh = split == 0 ? ["加扣扣", "qq:", "企鹅号", "Q群"] : ["扣扣", "QQ号", "加q", "球球"];
        string[] cuesEn = split == 0 ? ["qq ", "add qq:", "Q "] : ["my qq ", "QQ: ", "q"];
        var cues = language == "zh" ? cuesZh : cuesEn;
        var text = language == "zh" ? $"{cues[rnd.Next(cues.Length)]}{written}送元宝" : $"{cues[rnd.Next(cues.Length)]}{written} cheap";
        return new Line(text, language, "digit-styles", StarterRules.Contact, "qq");
    }

    internal static string Disguise(string technique, string term, Random rnd, CharTables tables) => technique switch
    {
        "plain" => term,
        "case" => string.Concat(term.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c)),
        "fullwidth" => string.Concat(term.Select(c => c is > ' ' and <= '~' ? (char)(c - 0x21 + 0xFF01) : c)),
        "styled-letters" => Styled(term, rnd),
        "traditional" => Traditional(term, tables, rnd),
        "homoglyphs" => Homoglyphs(term, tables, rnd),
        "invisible" => Interleave(term, rnd, ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD"]),
        "separators" => Interleave(term, rnd, [" ", ".", "*", "-", "_", "|", "~", "/", "、", "。"]),
        "emoji" => Interleave(term, rnd, ["😀", "✨", "💰", "🔥", "❤️", "👍", "★", "♥"]),
        "repeats" => string.Concat(term.Select(c => rnd.Next(2) == 0 && c != ' ' ? new string(c, rnd.Next(2, 5)) : c.ToString())),
        "pinyin-full" => Pinyin(term, tables, rnd, initials: false, separator: ""),
        "pinyin-spaced" => Pinyin(term, tables, rnd, initials: false, separator: " "),
        "pinyin-initials" => Pinyin(term, tables, rnd, initials: true, separator: rnd.Next(2) == 0 ? "" : " "),
        "pinyin-mixed" => Mixed(term, tables, rnd),
        "stacked" => Stacked(term, rnd, tables),
        _ => throw new ArgumentOutOfRangeException(nameof(technique)),
    };

    private static string Stacked(string term, Random rnd, CharTables tables)
    {
        var hasHan = term.Any(c => c >= 0x4E00);
        string[] options = hasHan ? ["traditional", "separators", "invisible", "repeats", "emoji"] : ["case", "homoglyphs", "separators", "repeats", "fullwidth", "invisible"];
        var picks = options.OrderBy(_ => rnd.Next()).Take(2).ToList();
        // Substitutions first, then insertions: that is how a spammer's tool chain composes them.
        picks.Sort((a, b) => Insertion(a).CompareTo(Insertion(b)));
        return picks.Aggregate(term, (t, p) => Disguise(p, t, rnd, tables));
    }

    private static int Insertion(string technique) => technique is "separators" or "invisible" or "emoji" or "repeats" ? 1 : 0;

    private static string Interleave(string term, Random rnd, string[] fillers)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < term.Length; i++)
        {
            sb.Append(term[i]);
            if (i < term.Length - 1 && term[i] != ' ' && !char.IsHighSurrogate(term[i])) { sb.Append(fillers[rnd.Next(fillers.Length)]); }
        }
        return sb.ToString();
    }

    private static string Styled(string term, Random rnd)
    {
        // Mathematical bold/italic/script/double-struck, circled and parenthesized letters.
        int[] lowerBases = [0x1D41A, 0x1D44E, 0x1D482, 0x1D4EA, 0x1D552, 0x1D5BA, 0x1D68A];
        var style = rnd.Next(lowerBases.Length + 2);
        var sb = new StringBuilder();
        foreach (var c in term)
        {
            if (c is < 'a' or > 'z') { sb.Append(c); continue; }
            if (style == lowerBases.Length) { sb.Append((char)(0x24D0 + c - 'a')); }
            else if (style == lowerBases.Length + 1) { sb.Append((char)(0x249C + c - 'a')); }
            else { sb.Append(char.ConvertFromUtf32(lowerBases[style] + c - 'a')); }
        }
        return sb.ToString();
    }

    private static string Traditional(string term, CharTables tables, Random rnd)
    {
        var inverse = tables.TraditionalToSimplified.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Select(kv => kv.Key).Where(k => k <= 0xFFFF).ToList());
        return string.Concat(term.Select(c => inverse.TryGetValue(c, out var t) && t.Count > 0 ? ((char)t[rnd.Next(t.Count)]).ToString() : c.ToString()));
    }

    private static string Homoglyphs(string term, CharTables tables, Random rnd)
    {
        var inverse = tables.Homoglyphs.Where(kv => kv.Key is >= 0x370 and <= 0x4FF)
            .GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Select(kv => kv.Key).ToList());
        var sb = new StringBuilder();
        var replaced = 0;
        foreach (var c in term)
        {
            if (inverse.TryGetValue(c, out var list) && (rnd.Next(2) == 0 || replaced == 0))
            {
                sb.Append((char)list[rnd.Next(list.Count)]);
                replaced++;
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string Pinyin(string term, CharTables tables, Random rnd, bool initials, string separator)
    {
        var parts = new List<string>();
        foreach (var c in term)
        {
            if (tables.Pinyin.TryGetValue(c, out var r))
            {
                var reading = r[0];
                parts.Add(initials ? reading[..1] : reading);
            }
            else
            {
                parts.Add(c.ToString());
            }
        }
        var text = string.Join(separator, parts);
        return rnd.Next(3) == 0 ? text.ToUpperInvariant() : text;
    }

    private static string Mixed(string term, CharTables tables, Random rnd)
    {
        var han = term.Select((c, i) => (c, i)).Where(x => tables.Pinyin.ContainsKey(x.c)).Select(x => x.i).ToList();
        var toSpell = han.OrderBy(_ => rnd.Next()).Take(Math.Max(1, han.Count / 2)).ToHashSet();
        return string.Concat(term.Select((c, i) => toSpell.Contains(i) ? tables.Pinyin[c][0] : c.ToString()));
    }
}
