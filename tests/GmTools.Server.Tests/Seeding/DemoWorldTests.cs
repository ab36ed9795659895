using GmTools.Contracts.V1;
using GmTools.Server.Demo;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Seeding;

/// <summary>The demo world after deploy/run.sh: every daily job has something to work on, and seeding twice adds nothing.</summary>
public sealed class DemoWorldTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static readonly string[] Tables =
        ["players", "player_notes", "sanctions", "sanction_appeals", "reward_catalogue", "grants", "campaigns", "campaign_uploaded_players", "player_cases", "case_links", "audit_records"];

    [Fact]
    public async Task Seeds_a_world_to_work_in_and_a_second_run_adds_nothing()
    {
        await SeedAsync();
        var first = await CountsAsync();
        await SeedAsync();
        var second = await CountsAsync();
        // A second run writes only the rotated game-server credentials' audit records.
        Assert.Equal(first.Where(c => c.Key != "audit_records"), second.Where(c => c.Key != "audit_records"));

        Assert.Equal(DemoStory.Players.Length + (3 * Server.Players.DemoPlayers.PerServer), first["players"]);
        Assert.Equal(3, first["player_notes"]);
        Assert.Equal(6, first["reward_catalogue"]);

        // The repeater's history: one mute expired, one lifted as wrongful, one in force.
        var now = fx.Clock.GetUtcNow();
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM sanctions WHERE player_id = @p AND lifted_at IS NULL AND ends_at < @now", DemoStory.Repeater, now));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM sanctions WHERE player_id = @p AND lifted_as_wrongful", DemoStory.Repeater, now));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM sanctions WHERE player_id = @p AND lifted_at IS NULL AND ends_at > @now", DemoStory.Repeater, now));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM sanction_appeals WHERE player_id = @p AND state = 'open'", DemoStory.Appellant, now));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM sanctions WHERE player_id = @p AND ends_at IS NULL AND kind = 'ban'", DemoStory.Bot, now));
        // Nobody the quick start bans or compensates has a history yet.
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM sanctions WHERE player_id = @p", DemoStory.Cheater, now));

        // Through the API, as the console shows it: the inbox holds the whale's grant, the campaign waits for approval.
        var supervisor = new RewardService.RewardServiceClient(fx.StaffChannel("sue.supervisor", Role.Supervisor));
        var pending = await supervisor.ListGrantsAsync(new ListGrantsRequest { PlayerId = DemoStory.Whale });
        Assert.Contains(pending.Grants, g => g.State == GrantState.PendingApproval);
        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("amy.agent", Role.Agent));
        var found = await players.SearchPlayersAsync(new SearchPlayersRequest { NamePrefix = "外挂" });
        Assert.Contains(found.Players, p => p.PlayerId == DemoStory.Cheater && p.CharacterName == "外挂王");
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM campaigns WHERE state = 'pending_approval' AND uploaded_players = 20", "", now));

        // Open cases about the story's players, one of them hours from its first-response deadline, two linked.
        Assert.Equal(4, first["player_cases"]);
        Assert.Equal(2, first["case_links"]);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM player_cases WHERE first_response_at IS NULL AND first_response_due > @now AND first_response_due < @now + interval '4 hours'", "", now));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM player_cases WHERE player_id = @p AND escalation_level = 'senior_agent'", DemoStory.Appellant, now));
    }

    private async Task SeedAsync()
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        await DemoWorld.SeedAsync(scope.ServiceProvider, CancellationToken.None);
    }

    private async Task<Dictionary<string, long>> CountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var table in Tables)
        {
            counts[table] = await CountAsync($"SELECT count(*) FROM {table}", "", DateTimeOffset.MinValue);
        }
        return counts;
    }

    private async Task<long> CountAsync(string sql, string player, DateTimeOffset now)
    {
        await using var connection = new NpgsqlConnection(fx.Postgres);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("p", player);
        cmd.Parameters.AddWithValue("now", now);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
