using System.Text;

namespace GmTools.Bench;

/// <summary>
/// Deterministic character names with roughly a live game's mix: ~55 % invented Latin names built from
/// syllables (with digits or decoration now and then), ~20 % word pairs ("ShadowWolf88"), ~25 % Chinese
/// names of 2-4 characters (common surname + common given-name characters).
/// </summary>
public sealed class NameGenerator(int seed)
{
    private static readonly string[] Syllables =
    [
        "ka", "kai", "ra", "ren", "tho", "rin", "vel", "mor", "dra", "gon", "lys", "an", "el", "ith", "zar", "qua",
        "shi", "ro", "mi", "ya", "ne", "lo", "fen", "tar", "bel", "cor", "dun", "ef", "gal", "har", "is", "jor",
        "kel", "lum", "mar", "nor", "ost", "pel", "quin", "ris", "sol", "tav", "ul", "var", "wyn", "xan", "yor",
        "zel", "ae", "bri", "cae", "dor", "eth", "fyr", "gri", "hel", "ion", "jyn", "kor", "lir", "myr", "nym",
    ];

    private static readonly string[] Words =
    [
        "Shadow", "Wolf", "Dragon", "Storm", "Blade", "Night", "Fire", "Ice", "Dark", "Light", "Silent", "Killer",
        "Angel", "Demon", "Ghost", "Hunter", "King", "Queen", "Lord", "Star", "Moon", "Sun", "Tiger", "Lion",
        "Sky", "Iron", "Steel", "Crimson", "Azure", "Frost", "Thunder", "Venom", "Raven", "Phoenix", "Viper",
        "Rogue", "Mage", "Knight", "Ninja", "Samurai", "Pirate", "Wizard", "Reaper", "Titan", "Nova", "Blaze",
    ];

    private static readonly string Surnames =
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";

    private static readonly string Given =
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳晨" +
        "天云风雪霜月星辰逍遥无忌三丰剑心影灵梦雨花香竹松柏青山水火龙凤虎鹤鹰狼熊豹墨白黑紫金银铁石玄冰雷电神仙魔妖鬼" +
        "子轩梓涵一诺依诺欣怡梓萱紫涵诗涵雨桐可馨思彤浩然宇轩博文子墨皓轩俊杰昊然明轩天佑睿泽若汐沐阳语嫣";

    private readonly Random _random = new(seed);

    public string Next()
    {
        var roll = _random.Next(100);
        return roll < 55 ? Invented() : roll < 75 ? WordPair() : Chinese();
    }

    private string Invented()
    {
        var sb = new StringBuilder();
        if (_random.Next(20) == 0)
        {
            sb.Append("xX");
        }
        var count = 2 + _random.Next(3);
        for (var i = 0; i < count; i++)
        {
            var s = Syllables[_random.Next(Syllables.Length)];
            sb.Append(i == 0 ? char.ToUpperInvariant(s[0]) + s[1..] : s);
        }
        if (_random.Next(10) < 4)
        {
            sb.Append(_random.Next(1, 10_000));
        }
        return sb.ToString();
    }

    private string WordPair()
    {
        var name = Words[_random.Next(Words.Length)] + Words[_random.Next(Words.Length)];
        return _random.Next(2) == 0 ? name + _random.Next(1, 1000) : name;
    }

    private string Chinese()
    {
        var sb = new StringBuilder();
        sb.Append(Surnames[_random.Next(Surnames.Length)]);
        var given = 1 + _random.Next(_random.Next(4) == 0 ? 3 : 2);
        for (var i = 0; i < given; i++)
        {
            sb.Append(Given[_random.Next(Given.Length)]);
        }
        return sb.ToString();
    }
}
