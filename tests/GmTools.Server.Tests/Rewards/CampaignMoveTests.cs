using GmTools.Contracts.V1;
using GmTools.Server.Rewards;
using GmTools.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>
/// Issue #11, item 3: players move between game servers (TransferPlayer) and new players arrive while a 3,000-player
/// campaign expands, chunk by chunk, with both game servers streaming and one of them reconnecting mid-way (its hello
/// reports what it applied). Ids come from each chunk transaction's write order, so whichever server a chunk saw a
/// player on, the mail is delivered there in id order and nothing is skipped or marked applied without delivery.
/// The moves are placed deterministically: ahead of the cursor, behind it, and inside the chunk while it runs.
/// </summary>
public sealed class CampaignMoveTests(NoSchedulerRewardsFixture fx) : IClassFixture<NoSchedulerRewardsFixture>
{
    private const int Players = 3000;
    private const int Chunk = 200;

    private static string Id(int i) => $"m{i:D5}";

    [Fact]
    public async Task Players_moved_during_expansion_each_get_exactly_one_mail_delivered_in_id_order()
    {
        await fx.InsertPlayersAsync(Enumerable.Range(0, Players).Select(i => (Id(i), i % 2 == 0 ? "s1" : "s2")));
        var creator = fx.Rewards("move-carl", Role.Supervisor);
        var r = new CreateCampaignRequest { Reason = "outage", TicketRef = "INC-3", MailTitle = "Sorry", MailBody = "Compensation", GameServers = new GameServersTarget { GameServerIds = { "s1", "s2" } } };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = 5 });
        var id = (await creator.CreateCampaignAsync(r)).Campaign.CampaignId;
        await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id });
        // This fixture's replica has no scheduler: the test is the expansion job, so it decides what happens between chunks.
        await fx.ExecuteAsync("UPDATE campaigns SET state = 'expanding' WHERE campaign_id = @id", ("id", id));

        var sims = new Dictionary<string, SimulatedGameServer>
        {
            ["s1"] = Sim(fx.Server, "s1", fx.Credential("s1")),
            ["s2"] = Sim(fx.Server, "s2", fx.Credential("s2")),
        };
        var runs = sims.ToDictionary(kv => kv.Key, kv => Start(kv.Value));
        var mover = new PlayerService.PlayerServiceClient(fx.StaffChannel("move-sup", Role.Supervisor));
        var where = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(Enumerable.Range(0, Players).ToDictionary(Id, i => i % 2 == 0 ? "s1" : "s2"));
        var moves = 0;
        var agent = fx.Rewards("move-agent", Role.Agent);
        async Task GrantGemAsync(string key, params string[] players)
        {
            var grant = new CreateGrantRequest { IdempotencyKey = key, Reason = "during expansion", MailTitle = "Gem" };
            grant.Lines.Add(new RewardLine { ItemId = "gem", Count = 1 });
            grant.PlayerIds.AddRange(players.Where(where.ContainsKey));
            if (grant.PlayerIds.Count > 0)
            {
                await agent.CreateGrantAsync(grant);
            }
        }
        async Task MoveAsync(string player)
        {
            var to = where[player] == "s1" ? "s2" : "s1";
            await mover.TransferPlayerAsync(new TransferPlayerRequest { PlayerId = player, ToGameServerId = to, Reason = "server merge test" });
            where[player] = to;
            Interlocked.Increment(ref moves);
        }

        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            var expander = scope.ServiceProvider.GetRequiredService<CampaignExpander>();
            for (var k = 0; ; k++)
            {
                // Ahead of the cursor: players of the next chunk move; behind it: players already written move back and forth.
                foreach (var i in Enumerable.Range(((k + 1) * Chunk) + 3, 8).Where(i => i < Players))
                {
                    await MoveAsync(Id(i));
                }
                if (k > 0)
                {
                    await MoveAsync(Id(((k - 1) * Chunk) + 7));
                }
                if (k == 4)
                {
                    // New players synced into ranges not expanded yet, on both servers.
                    await fx.InsertPlayersAsync([(Id(2000) + "a", "s1"), (Id(2400) + "b", "s2")]);
                    where[Id(2000) + "a"] = "s1";
                    where[Id(2400) + "b"] = "s2";
                }
                if (k == 7)
                {
                    // s1 drops its stream and reconnects; its hello says what it has applied.
                    await runs["s1"].DisposeAsync();
                    runs["s1"] = Start(sims["s1"]);
                }
                // Inside the chunk's own range, while it runs.
                var during = Enumerable.Range((k * Chunk) + 50, 6).Where(i => i < Players).Select(i => MoveAsync(Id(i))).ToList();
                // And other mail written at the same time to both servers, so ids of overlapping transactions interleave.
                during.Add(GrantGemAsync($"move-grant-{k}", Id((k * Chunk) + 60), Id((k * Chunk) + 61)));
                var chunk = expander.ExpandChunkAsync(id, Chunk, CancellationToken.None);
                await Task.WhenAll(during);
                if (await chunk == ExpansionOutcome.Finished)
                {
                    break;
                }
            }
        }
        Assert.True(moves > 200, $"only {moves} moves"); // 8 ahead, 1 behind and 6 inside, per chunk
        var total = (int)await fx.CountAsync("SELECT count(*) FROM players WHERE game_server_id IN ('s1', 's2')"); // ours, the two synced mid-way and the fixture's 20
        Assert.Equal(Players + 2 + 20, total);
        Assert.Equal(total, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id", ("id", id)));

        // Every mail applied through the streams (the fake clock moves so sweeps and ack timeouts can act).
        await PollAsync(async () => await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p AND outcome = 'applied'", ("p", $"campaign:{id}:%")) == total,
            "every campaign mail applied", TimeSpan.FromSeconds(60), () => fx.Clock.Advance(TimeSpan.FromSeconds(1)));
        await PollAsync(async () => await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE outcome IS NULL") == 0,
            "every grant mail applied too", TimeSpan.FromSeconds(60), () => fx.Clock.Advance(TimeSpan.FromSeconds(1)));
        foreach (var run in runs.Values)
        {
            await run.DisposeAsync();
        }
        Assert.Equal(await fx.CountAsync("SELECT count(*) FROM gamelink_outbox"), sims.Values.Sum(s => s.Applied));

        // Exactly one mail per recipient, on the server its chunk saw; each one really reached that game server.
        var mails = new List<(string Player, string Server, long CommandId)>();
        await using (var conn = new NpgsqlConnection(fx.Postgres))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                SELECT r.player_id, o.game_server_id, o.command_id, r.game_server_id
                FROM campaign_recipients r JOIN gamelink_outbox o ON o.command_id = r.command_id
                WHERE r.campaign_id = @id
                """, conn);
            cmd.Parameters.AddWithValue("id", id);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Assert.Equal(reader.GetString(3), reader.GetString(1));
                mails.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }
        Assert.Equal(total, mails.Count);
        Assert.Equal(total, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id LIKE @p", ("p", $"campaign:{id}:%")));
        Assert.Equal(total, mails.Select(m => m.Player).Distinct().Count());
        foreach (var (player, server, commandId) in mails)
        {
            Assert.True(sims[server].HasProcessed(commandId), $"mail {commandId} to {player} on {server} marked applied but never delivered");
            var gold = sims.Values.Sum(s => s.Holdings(player).GetValueOrDefault("gold"));
            Assert.True(gold == 5, $"{player} holds {gold} gold across the servers, not one mail's 5");
        }
        // Each game server applied its commands in increasing id order: no id arrived behind one applied before it.
        foreach (var sim in sims.Values)
        {
            var order = sim.AppliedOrder();
            Assert.True(order.Zip(order.Skip(1)).All(p => p.First < p.Second), $"{sim.GameServerId} applied ids out of order");
        }
        var done = (await creator.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign;
        Assert.Equal((CampaignState.Expanded, (long)total, (long)total), (done.State, done.Expanded, done.Delivered));
    }
}
