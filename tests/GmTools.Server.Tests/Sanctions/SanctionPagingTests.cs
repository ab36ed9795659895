using GmTools.Contracts.V1;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;

namespace GmTools.Server.Tests.Sanctions;

/// <summary>ListSanctions and the dossier's sanction history come a bounded page at a time, newest first, ties by id.</summary>
public sealed class SanctionPagingTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    private const string Player = "p-pages";

    /// <summary>Six mutes that ended, then a kick and a mute issued at the same moment (the mute still in force).</summary>
    private async Task<List<long>> HistoryAsync()
    {
        await fx.GameServerCredentialAsync("pg-a");
        await fx.AddPlayerAsync(Player, "pg-a");
        var ids = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await fx.Staff($"gm-page-{i}").IssueSanctionAsync(Mute(Player, "pg-a", TimeSpan.FromMinutes(1)))).Sanction.SanctionId);
            fx.Clock.Advance(TimeSpan.FromMinutes(2));
        }
        var kick = new IssueSanctionRequest { PlayerId = Player, Kind = SanctionKind.Kick, Scope = OnServer("pg-a"), ReasonCode = "chat_abuse", Reason = "one more" };
        ids.Add((await fx.Staff("gm-page-k").IssueSanctionAsync(kick)).Sanction.SanctionId);
        ids.Add((await fx.Staff("gm-page-m").IssueSanctionAsync(Mute(Player, "pg-a", TimeSpan.FromHours(1)))).Sanction.SanctionId);
        ids.Reverse(); // newest first; the last two share issued_at, so the larger id comes first
        return ids;
    }

    [Fact]
    public async Task ListSanctions_and_the_dossier_page_a_players_history_without_gaps_or_repeats()
    {
        var newestFirst = await HistoryAsync();
        var gm = fx.Staff("gm-page-reader");

        var all = await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = Player, IncludeHistory = true });
        Assert.Equal(newestFirst, all.Sanctions.Select(s => s.SanctionId));
        Assert.Equal("", all.NextPageToken);

        var paged = new List<long>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = Player, IncludeHistory = true, PageSize = 3, PageToken = token });
            Assert.InRange(page.Sanctions.Count, 1, 3);
            paged.AddRange(page.Sanctions.Select(s => s.SanctionId));
            token = page.NextPageToken;
            pages++;
        }
        while (token != "");
        Assert.Equal(newestFirst, paged);
        Assert.Equal(3, pages);

        var inForce = await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = Player });
        Assert.Equal([newestFirst[0]], inForce.Sanctions.Select(s => s.SanctionId));

        var badToken = await RefusedAsync(async () => await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = Player, PageToken = "not-a-token" }), StatusCode.InvalidArgument);
        Assert.Equal(["page_token"], badToken.Fields());
        var tooBig = await RefusedAsync(async () => await gm.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = Player, PageSize = 501 }), StatusCode.InvalidArgument);
        Assert.Equal(["page_size"], tooBig.Fields());

        // The dossier: everything in force, and the history recent_limit a page.
        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("gm-page-reader", GmTools.Server.Security.Role.Gm));
        var history = new List<string>();
        token = "";
        pages = 0;
        do
        {
            var dossier = await players.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = Player, RecentLimit = 3, SanctionHistoryPageToken = token });
            Assert.Equal([newestFirst[0].ToString(System.Globalization.CultureInfo.InvariantCulture)], dossier.ActiveSanctions.Select(s => s.SanctionId));
            history.AddRange(dossier.SanctionHistory.Select(s => s.SanctionId));
            token = dossier.SanctionHistoryNextPageToken;
            pages++;
        }
        while (token != "");
        Assert.Equal(newestFirst.Skip(1).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)), history);
        Assert.Equal(3, pages); // 3 + 3 + 1
        var badDossierToken = await RefusedAsync(async () => await players.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = Player, SanctionHistoryPageToken = "%%%" }), StatusCode.InvalidArgument);
        Assert.Equal(["sanction_history_page_token"], badDossierToken.Fields());
    }
}
