using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Demo;
using GmTools.Server.Persistence;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// Chat watch in the demo world: a published dictionary (the starter rules plus a few demo terms, with the ads
/// policy), and world chat ingested through the real desk: ordinary lines, a gold seller on s2 whose disguised ads
/// (full-width, traditional, inserted spaces) get him muted by the policy, and an insult and a contact line on s1
/// waiting in the review queue. Seeded once: when any rule version exists, nothing is added.
/// </summary>
public sealed class DemoChatWatch(GmToolsDbContext db, RequestContext request, ChatRuleDesk rules, ChatIngestDesk ingest) : IDemoSeeder
{
    public int Order => DemoOrder.ChatWatch;

    public async Task<string> SeedAsync(DemoSeedContext demo, CancellationToken ct)
    {
        if (await db.Set<ChatRuleVersionEntity>().AnyAsync(ct))
        {
            return "chat watch: already seeded";
        }
        request.Caller = DemoActors.Staff("ada.admin", Role.Admin);
        var starter = ChatRulebook.Starter();
        var book = starter with
        {
            Rules = starter.Rules with
            {
                Terms = [.. starter.Rules.Terms, new TermRule("元宝回收", StarterRules.Ads), new TermRule("gold farm", StarterRules.Ads)],
            },
        };
        var version = await rules.ImportAsync(new ImportRulesOrder(book, "demo dictionary: starter rules + demo terms", 0), ct);

        string[] story = [DemoStory.Cheater, DemoStory.Compensated, DemoStory.Appellant, DemoStory.Repeater, DemoStory.Whale, DemoStory.Bot];
        async Task<string> PlayerOn(string gs, int skip) => await db.Set<Player>().AsNoTracking()
            .Where(p => p.GameServerId == gs && !story.Contains(p.PlayerId)).OrderBy(p => p.PlayerId).Select(p => p.PlayerId).Skip(skip).FirstAsync(ct);
        var seller = await PlayerOn("s2", 0);
        var chatter = await PlayerOn("s2", 1);
        var rude = await PlayerOn("s1", 0);
        var friendly = await PlayerOn("s1", 1);

        var s2 = await IngestAsync("s2", demo.Now,
        [
            (chatter, "今晚一起打死亡矿井吗？"),
            (seller, "ｃｈｅａｐ ｇｏｌｄ 出售金幣 速来"),
            (chatter, "anyone need an assist on the boss?"),
            (seller, "出 售 金 币，低价出金"),
            (seller, "代*练*包*赢 加微信 gold4u"),
        ], ct);
        var s1 = await IngestAsync("s1", demo.Now,
        [
            (friendly, "组队刷副本，来个奶妈"),
            (rude, "你这个傻 逼 会不会玩"),
            (friendly, "加我qq 12345678 一起开黑"),
        ], ct);
        return $"chat watch: rule version {version.Version}, {s1.Accepted + s2.Accepted} lines ingested, {s1.Flagged + s2.Flagged} flagged, " +
               $"{s1.SanctionsIssued + s2.SanctionsIssued} auto-mute ({seller} on s2), review queue filled";
    }

    private async Task<IngestResult> IngestAsync(string gs, DateTimeOffset now, (string Player, string Text)[] lines, CancellationToken ct)
    {
        request.Caller = new Caller(gs, CallerKind.GameServer, [Role.GameServer], [gs]);
        var batch = lines.Select((l, i) => new IncomingLine(i, $"demo-{gs}-{i + 1}", ChatChannels.World, l.Player, null, l.Text, now.AddSeconds(i - lines.Length)))
            .ToList();
        return await ingest.IngestAsync(new IngestBatch(gs, 1, batch, []), ct);
    }
}
