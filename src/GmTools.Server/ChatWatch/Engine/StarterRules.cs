namespace GmTools.Server.ChatWatch.Engine;

/// <summary>
/// The dictionary a fresh installation starts from (and the demo world publishes): a small set of terms per
/// category, the contact patterns game chat sees every day, and the classic innocent look-alikes.
/// Admins replace it by importing their own version.
/// </summary>
public static class StarterRules
{
    public const string Abuse = "abuse";
    public const string Ads = "ads";
    public const string Contact = "contact";
    public const string Politics = "politics";

    public static readonly string[] AbuseZh = ["傻逼", "去死", "你妈死了", "操你妈", "废物", "脑残", "滚蛋", "王八蛋", "狗东西", "贱人", "死全家", "智障"];
    public static readonly string[] AdsZh = ["出售金币", "代练", "低价出金", "收金币", "卖号", "刷元宝", "外挂", "代充", "包赢", "一条龙服务", "金币便宜", "工作室出货"];
    public static readonly string[] ContactZh = ["加微信", "加我qq", "私聊我", "加群", "扣扣群", "联系客服", "微信号"];
    public static readonly string[] PoliticsZh = ["法轮功", "台独", "藏独", "颠覆政权"];
    public static readonly string[] AbuseEn = ["fuck", "shit", "bitch", "asshole", "idiot", "retard", "kys", "motherfucker", "dickhead", "cunt"];
    public static readonly string[] AdsEn = ["cheap gold", "buy gold", "gold for sale", "power leveling", "boosting service", "account for sale"];
    public static readonly string[] ContactEn = ["add me on discord", "whatsapp me", "dm me for price"];

    public static readonly PatternRule[] Patterns =
    [
        new("qq", @"(?:qq|扣扣|抠抠|企鹅|球球|q)[:：号群]*\d{5,11}", Contact),
        new("phone", @"(?:\+?86)?1[3-9]\d{9}", Contact),
        new("wechat", @"(?:微信|威信|薇信|vx|wx|v信|weixin|wechat)[:：号]*[a-z][-_a-z0-9]{5,19}", Contact),
        new("url", @"(?:https?://|www\.)[a-z0-9][-a-z0-9.]*|[a-z0-9][-a-z0-9]*\.(?:com|net|cn|org|top|xyz|cc|vip|shop)(?:[^a-z]|$)", Contact),
        new("invite", @"discord(?:\.gg|app\.com/invite)/[a-z0-9]+|t\.me/[a-z0-9_]+", Contact),
        new("email", @"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", Contact),
    ];

    public static readonly string[] Allowlist =
    [
        "死亡矿井", "class", "classic", "assist", "assassin", "assume", "passion", "bass", "grass", "glass",
        "compass", "embarrass", "shitake", "cocktail", "scunthorpe", "skyscraper",
    ];

    public static RuleDocument Document()
    {
        var terms = new List<TermRule>();
        void Add(IEnumerable<string> words, string category) => terms.AddRange(words.Select(w => new TermRule(w, category)));
        Add(AbuseZh, Abuse);
        Add(AbuseEn, Abuse);
        Add(AdsZh, Ads);
        Add(AdsEn, Ads);
        Add(ContactZh, Contact);
        Add(ContactEn, Contact);
        Add(PoliticsZh, Politics);
        return new RuleDocument(
            [new(Abuse, EvasionSteps.All), new(Ads, EvasionSteps.All), new(Contact, EvasionSteps.All), new(Politics, EvasionSteps.All)],
            terms, Patterns, Allowlist);
    }
}
