using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Server.Security.Role;
using static GmTools.Server.Tests.Players.PlayerTestData;

namespace GmTools.Server.Tests.Players;

/// <summary>A world of 250 "Page…" players plus a few named ones, synced once for the whole class.</summary>
public sealed class SearchWorldFixture : ServerFixture
{
    public const int PagePlayers = 250;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Players:FuzzyTimeoutMs"] = "500",
    };

    /// <summary>Game server ps-a's client (its players live there).</summary>
    public PlayerService.PlayerServiceClient ServerA { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var a = ServerA = new PlayerService.PlayerServiceClient(Channel(await GameServerCredentialAsync("ps-a")));
        var b = new PlayerService.PlayerServiceClient(Channel(await GameServerCredentialAsync("ps-b")));
        await a.SyncAsync("ps-a", Enumerable.Range(0, PagePlayers).Select(i => Profile($"page-{i:000}", $"Page{i:000}")).ToArray());
        await a.SyncAsync("ps-a",
            Profile("dragon-1", "Dragonslayer", account: "acct-dragon"),
            Profile("cjk-1", "张三丰"),
            Profile("cjk-3", "李逍遥"));
        await b.SyncAsync("ps-b",
            Profile("dragon-2", "DragonHeart", account: "acct-dragon"),
            Profile("cjk-2", "张无忌"),
            Profile("other-1", "Moonlight"));
    }
}

public sealed class PlayerSearchTests(SearchWorldFixture fx) : IClassFixture<SearchWorldFixture>
{
    private readonly PlayerService.PlayerServiceClient _viewer = new(fx.StaffChannel("vic", Role.Viewer));

    private async Task<string[]> IdsAsync(SearchPlayersRequest request) =>
        (await _viewer.SearchPlayersAsync(request)).Players.Select(p => p.PlayerId).ToArray();

    [Fact]
    public async Task Finds_by_exact_player_id()
    {
        Assert.Equal(["dragon-1"], await IdsAsync(new SearchPlayersRequest { PlayerId = "dragon-1" }));
        Assert.Empty(await IdsAsync(new SearchPlayersRequest { PlayerId = "dragon" }));
        var player = (await _viewer.GetPlayerAsync(new GetPlayerRequest { PlayerId = "dragon-1" })).Player;
        Assert.Equal(("Dragonslayer", "acct-dragon", "ps-a"), (player.CharacterName, player.Account, player.GameServerId));
    }

    [Fact]
    public async Task Finds_every_character_of_an_account()
    {
        Assert.Equal(["dragon-1", "dragon-2"], await IdsAsync(new SearchPlayersRequest { Account = "acct-dragon" }));
    }

    [Fact]
    public async Task Finds_by_name_prefix_case_insensitively()
    {
        Assert.Equal(["dragon-2", "dragon-1"], await IdsAsync(new SearchPlayersRequest { NamePrefix = "dRAGON" }));
        Assert.Empty(await IdsAsync(new SearchPlayersRequest { NamePrefix = "Dragonz" }));
        // LIKE wildcards are plain characters here.
        Assert.Empty(await IdsAsync(new SearchPlayersRequest { NamePrefix = "Drag%" }));
    }

    [Fact]
    public async Task A_typo_still_finds_the_player()
    {
        var ids = await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr" });
        Assert.Equal("dragon-1", ids[0]);
        Assert.Equal("dragon-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "dragonsIayer" }))[0]);
    }

    [Theory]
    [InlineData("Dragonslayerr")] // one longer
    [InlineData("Dragonslaer")] // one shorter
    [InlineData("Dargonslayer")] // two neighbours swapped
    [InlineData("Dragonslaier")] // one replaced
    [InlineData("xDragonslayer")] // one longer at the start
    public async Task One_typo_of_any_kind_puts_the_player_first(string query)
    {
        Assert.Equal("dragon-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = query }))[0]);
    }

    [Theory]
    [InlineData("Dragonnslaier")] // one inserted in the first half, one replaced in the second: one longer
    [InlineData("Dragonsleyr")] // both in the second half: one shorter
    [InlineData("Drgonslayeer")] // one deleted in the first half, one inserted in the second: the same length
    [InlineData("Drugonslayor")] // one replaced in each half
    [InlineData("Dragnslayor")] // one deleted in the first half, one replaced in the second: one shorter
    public async Task Two_typos_still_find_the_player(string query)
    {
        Assert.Equal("dragon-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = query }))[0]);
    }

    [Fact]
    public async Task The_fuzzy_threshold_applies_beyond_two_edits()
    {
        var search = fx.Server.Services.GetRequiredService<Server.Players.PlayerSearch>();
        // Three edits from Dragonslayer (similarity 0.33): found only when the threshold lets it.
        var strict = new Server.Players.PlayerQuery(Server.Players.PlayerSearchMode.NameFuzzy, "Dragonslxxxr", null, 10, FuzzyThreshold: 0.95f);
        Assert.DoesNotContain("dragon-1", (await search.SearchAsync(strict, CancellationToken.None)).Players.Select(p => p.PlayerId));
        var loose = strict with { FuzzyThreshold = 0.2f };
        Assert.Equal("dragon-1", (await search.SearchAsync(loose, CancellationToken.None)).Players[0].PlayerId);
        // Within two edits the threshold does not matter.
        var close = strict with { Text = "Dragonslayr" };
        Assert.Equal("dragon-1", (await search.SearchAsync(close, CancellationToken.None)).Players[0].PlayerId);
    }

    [Fact]
    public async Task The_typo_index_follows_new_players_and_renames()
    {
        await fx.ServerA.SyncAsync("ps-a", Profile("rename-1", "Quixotelmar"));
        Assert.Equal("rename-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Quixotelmr" }))[0]);

        await fx.ServerA.SyncAsync("ps-a", Profile("rename-1", "Zebulonfarr", version: 2));
        Assert.Equal("rename-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Zebulnfarr" }))[0]);
        Assert.DoesNotContain("rename-1", await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Quixotelmr" }));
    }

    [Fact]
    public async Task A_fuzzy_search_keeps_to_the_callers_game_servers()
    {
        var scoped = new PlayerService.PlayerServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("vic.scoped", ["ps-b"], Role.Viewer)));
        var ids = (await scoped.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr" })).Players.Select(p => p.PlayerId).ToArray();
        Assert.DoesNotContain("dragon-1", ids);
        Assert.Contains("dragon-2", ids); // DragonHeart, on ps-b: within the threshold's reach, so the search did run
        Assert.Empty((await scoped.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr", GameServerId = "ps-a" })).Players);
        Assert.DoesNotContain("dragon-1", await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr", GameServerId = "ps-b" }));
    }

    [Fact]
    public async Task A_fuzzy_search_that_runs_too_long_is_cut_off_as_resource_exhausted()
    {
        // Another session holds the players table: the search waits until its statement timeout ends it.
        await using var blocker = new Npgsql.NpgsqlConnection(fx.Postgres);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockCmd = new Npgsql.NpgsqlCommand("LOCK TABLE players IN ACCESS EXCLUSIVE MODE", blocker, tx))
        {
            await lockCmd.ExecuteNonQueryAsync();
        }
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _viewer.SearchPlayersAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr" }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await tx.RollbackAsync();

        Assert.Equal("dragon-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "Dragonslayr" }))[0]);
    }

    [Fact]
    public async Task Chinese_names_are_found_by_prefix_and_fuzzily()
    {
        // Byte (code point) order: 三 U+4E09 sorts before 无 U+65E0.
        Assert.Equal(["cjk-1", "cjk-2"], await IdsAsync(new SearchPlayersRequest { NamePrefix = "张" }));
        Assert.Equal(["cjk-1"], await IdsAsync(new SearchPlayersRequest { NamePrefix = "张三" }));
        Assert.Equal("cjk-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "张三峰" }))[0]);
        Assert.Equal("cjk-3", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "李逍" }))[0]);
        Assert.Equal("cjk-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "张丰" }))[0]); // one shorter
        Assert.Equal("cjk-1", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "张三丰的" }))[0]); // one longer
        Assert.Equal("cjk-2", (await IdsAsync(new SearchPlayersRequest { NameFuzzy = "张忌无" }))[0]); // swapped
    }

    [Fact]
    public async Task Filters_by_game_server()
    {
        Assert.Equal(["dragon-2"], await IdsAsync(new SearchPlayersRequest { NamePrefix = "dragon", GameServerId = "ps-b" }));
        Assert.Equal(["dragon-1"], await IdsAsync(new SearchPlayersRequest { Account = "acct-dragon", GameServerId = "ps-a" }));
        Assert.Equal(["cjk-2"], await IdsAsync(new SearchPlayersRequest { NameFuzzy = "张无忌", GameServerId = "ps-b" }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Paging_returns_every_player_exactly_once(bool fuzzy)
    {
        var seen = new List<string>();
        // "Page00" is within fuzzy search's length slack of every "PageNNN" (a bare "Page" is three characters short).
        var request = fuzzy ? new SearchPlayersRequest { NameFuzzy = "Page00" } : new SearchPlayersRequest { NamePrefix = "page" };
        request.PageSize = 37;
        var pages = 0;
        do
        {
            var page = await _viewer.SearchPlayersAsync(request);
            Assert.True(page.Players.Count <= 37);
            seen.AddRange(page.Players.Select(p => p.PlayerId));
            request.PageToken = page.NextPageToken;
            pages++;
        }
        while (request.PageToken != "" && pages < 20);

        Assert.Equal(SearchWorldFixture.PagePlayers, seen.Count);
        Assert.Equal(SearchWorldFixture.PagePlayers, seen.Distinct().Count());
        Assert.Equal(7, pages);
        if (!fuzzy)
        {
            Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        }
    }

    [Fact]
    public async Task A_page_token_of_another_query_and_oversized_pages_are_refused()
    {
        var first = await _viewer.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "page", PageSize = 10 });
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await _viewer.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "pag", PageSize = 10, PageToken = first.NextPageToken }));
        Assert.Equal(["page_token"], ex.ViolatedFields());

        var big = await Assert.ThrowsAsync<RpcException>(async () =>
            await _viewer.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "page", PageSize = 101 }));
        Assert.Equal(["page_size"], big.ViolatedFields());

        var none = await Assert.ThrowsAsync<RpcException>(async () => await _viewer.SearchPlayersAsync(new SearchPlayersRequest()));
        Assert.Equal(["query"], none.ViolatedFields());
    }

    [Theory]
    [InlineData("dragonslayer", "dragonslayr")]
    [InlineData("张三丰", "张三峰")]
    [InlineData("page00", "page123")]
    [InlineData("Shadow_Wolf", "shadowwolf")]
    [InlineData("王伟", "王芳")]
    [InlineData("xX-Kai Ren-Xx", "kairen")]
    public async Task The_ranking_similarity_is_what_pg_trgm_computes(string a, string b)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fx.Postgres);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT similarity(@a, @b)", connection);
        cmd.Parameters.AddWithValue("a", a);
        cmd.Parameters.AddWithValue("b", b);
        Assert.Equal((float)(await cmd.ExecuteScalarAsync())!, Server.Players.NameDistance.Similarity(a, b), 5);
    }
}
