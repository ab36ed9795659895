using GmTools.Contracts.V1;
using GmTools.Server.Rewards;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>One preview at a time per replica, each stopped after 300 ms.</summary>
public sealed class PreviewBoundFixture : RewardsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:Rewards:Campaigns:MaxConcurrentPreviews"] = "1",
        ["GmTools:Rewards:Campaigns:PreviewTimeout"] = "00:00:00.300",
    };
}

/// <summary>
/// PreviewCampaign counts every player a campaign reaches and needs only a read permission: its cost is bounded
/// per replica (concurrent previews) and per call (statement timeout), and past either bound the answer is
/// RESOURCE_EXHAUSTED. Both refusals are forced, not raced: the test holds the only slot, or a lock the count needs.
/// </summary>
public sealed class CampaignPreviewBoundTests(PreviewBoundFixture fx) : IClassFixture<PreviewBoundFixture>
{
    private RewardService.RewardServiceClient Viewer => fx.Rewards("preview-viewer", Role.Viewer);

    [Fact]
    public async Task A_preview_beyond_the_replicas_concurrency_limit_is_refused_with_resource_exhausted()
    {
        var id = await CampaignAsync("preview-limit");
        var gate = fx.Server.Services.GetRequiredService<CampaignPreviewGate>();
        using (var held = gate.TryEnter())
        {
            Assert.NotNull(held); // the one slot, as a running preview would hold it
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await Viewer.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id }));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        }
        var preview = await Viewer.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id });
        Assert.Equal(await fx.CountAsync("SELECT count(*) FROM players WHERE game_server_id IN ('s1', 's2')"), preview.TotalRecipients);
        // A refused or finished preview leaves the slot free.
        using var again = gate.TryEnter();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_preview_that_runs_past_its_timeout_is_stopped_and_refused_with_resource_exhausted()
    {
        var id = await CampaignAsync("preview-timeout");
        // Someone holds the players table: the count cannot finish until the statement timeout stops it.
        await using (var blocker = new NpgsqlConnection(fx.Postgres))
        {
            await blocker.OpenAsync();
            await using var tx = await blocker.BeginTransactionAsync();
            await using (var lockCmd = new NpgsqlCommand("LOCK TABLE players IN ACCESS EXCLUSIVE MODE", blocker, tx))
            {
                await lockCmd.ExecuteNonQueryAsync();
            }
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await Viewer.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id }));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            await tx.RollbackAsync();
        }
        // The slot was given back and the next preview answers.
        var preview = await Viewer.PreviewCampaignAsync(new PreviewCampaignRequest { CampaignId = id });
        Assert.True(preview.TotalRecipients >= 20);
    }

    private async Task<long> CampaignAsync(string ticket)
    {
        var r = new CreateCampaignRequest { Reason = "outage", TicketRef = ticket, MailTitle = "Sorry", MailBody = "Compensation", GameServers = new GameServersTarget { GameServerIds = { "s1", "s2" } } };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = 5 });
        return (await fx.Rewards("preview-sup", Role.Supervisor).CreateCampaignAsync(r)).Campaign.CampaignId;
    }
}
