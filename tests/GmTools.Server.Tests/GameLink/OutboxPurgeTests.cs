using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.Infrastructure.Quartz;
using GmTools.Server.Persistence;
using GmTools.Server.Tests.Rewards;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.GameLink;

/// <summary>
/// The outbox purge on a fake clock: settled commands older than PurgeAfter (7 days) go, in chunks, on two replicas
/// at once; young and unsettled ones stay; what a ledger reads (grant rows, announcement shows) moves to the settled
/// history without its body, and the ledgers answer as before. A
/// campaign keeps its counters and its recipients' outcomes, so a cancel with claw-back after the purge still
/// takes back exactly the applied mail.
/// </summary>
public sealed class OutboxPurgeTests(OutboxPurgeTests.Fixture fx) : IClassFixture<OutboxPurgeTests.Fixture>
{
    public sealed class Fixture : RewardsFixture
    {
        // Small chunks, so the purge of a handful of rows takes several of them.
        protected override IReadOnlyDictionary<string, string?> Settings =>
            new Dictionary<string, string?>(base.Settings) { ["GmTools:Outbox:PurgeBatch"] = "100" };
    }

    [Fact]
    public async Task Old_settled_commands_are_purged_and_every_ledger_still_answers()
    {
        var agent = fx.Rewards("purge-agent", Role.Agent);
        var supervisor = fx.Rewards("purge-sup", Role.Supervisor);
        var s1 = fx.GameLink("s1");
        var s2 = fx.GameLink("s2");

        // s2: one kick handed out and never answered (sent, unacked), then campaign mail never sent at all.
        var sentUnacked = await EnqueueAsync("s2", Kick("p011"), "purge-test:sent-unacked");
        Assert.Equal([sentUnacked], (await s2.PullCommandsAsync(new PullCommandsRequest { GameServerId = "s2", MaxCommands = 1 })).Commands.Select(c => c.CommandId));

        // s1: a grant's mail, two kicks, an announcement show, and campaign mail: all answered.
        var grant = new CreateGrantRequest { IdempotencyKey = "purge-grant", Reason = "outage", MailTitle = "Sorry" };
        grant.Lines.Add(new RewardLine { ItemId = "gold", Count = 10 });
        grant.PlayerIds.Add("p003");
        var grantId = (await agent.CreateGrantAsync(grant)).Grant.GrantId;
        var grantMail = (await fx.CommandAsync($"grant:{grantId}:p003")).CommandId;
        var kickApplied = await EnqueueAsync("s1", Kick("p004"), "purge-test:applied");
        var kickFailed = await EnqueueAsync("s1", Kick("p005"), "purge-test:failed");
        var show = await EnqueueAsync("s1", new GameCommand { ShowAnnouncement = new ShowAnnouncement { AnnouncementId = "9999" } }, "announcement:9999@1");
        var campaignId = await ExpandedCampaignAsync(supervisor, ["p001", "p002", "p011"]);

        var pulled = (await s1.PullCommandsAsync(new PullCommandsRequest { GameServerId = "s1", MaxCommands = 100 })).Commands;
        Assert.Equal(6, pulled.Count); // grant mail, two kicks, the show, two campaign mails
        var acks = new AckCommandsRequest { GameServerId = "s1" };
        acks.Acks.AddRange(pulled.Select(c => new CommandAck { CommandId = c.CommandId, Success = c.CommandId != kickFailed, FailureReason = c.CommandId == kickFailed ? "offline" : "" }));
        Assert.Equal(6, (await s1.AckCommandsAsync(acks)).Settled);
        var before = (await supervisor.GetCampaignAsync(new GetCampaignRequest { CampaignId = campaignId })).Campaign;
        Assert.Equal(2, before.Delivered);

        // A week and a day later; one more command is settled today.
        fx.Clock.Advance(TimeSpan.FromDays(8));
        var young = await EnqueueAsync("s1", Kick("p006"), "purge-test:young");
        var pulledYoung = (await s1.PullCommandsAsync(new PullCommandsRequest { GameServerId = "s1", MaxCommands = 100 })).Commands;
        Assert.Equal([young], pulledYoung.Select(c => c.CommandId));
        await s1.AckCommandsAsync(new AckCommandsRequest { GameServerId = "s1", Acks = { new CommandAck { CommandId = young, Success = true } } });
        var total = await fx.CountAsync("SELECT count(*) FROM gamelink_outbox");

        // Two replicas purge at the same moment: no error, each row removed once.
        var other = fx.AddReplica();
        var purged = await Task.WhenAll(
            fx.Server.Services.GetRequiredService<OutboxPurge>().PurgeAsync(CancellationToken.None),
            other.Services.GetRequiredService<OutboxPurge>().PurgeAsync(CancellationToken.None));
        Assert.Equal(6, purged.Sum()); // s1's two kicks, two campaign mails, the grant's mail and the show
        Assert.Equal(total - 6, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox"));
        Assert.Equal(0, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE command_id = ANY(@ids)", ("ids", new[] { kickApplied, kickFailed, grantMail, show })));
        foreach (var kept in new[] { sentUnacked, young })
        {
            Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE command_id = @id", ("id", kept)));
        }
        // What a ledger reads moved to the settled history, answer kept, body dropped; the kicks are simply gone.
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM gamelink_settled WHERE command_id = ANY(@ids) AND outcome = 'applied'", ("ids", new[] { grantMail, show })));
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM gamelink_settled"));
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE correlation_id = @c AND outcome IS NULL", ("c", $"campaign:{campaignId}:p011")));
        Assert.Equal(0, await other.Services.GetRequiredService<OutboxPurge>().PurgeAsync(CancellationToken.None));
        // Staff tokens are minted on the clock: new ones after the week went by.
        agent = fx.Rewards("purge-agent", Role.Agent);
        supervisor = fx.Rewards("purge-sup", Role.Supervisor);

        // The grant still says delivered, and its revoke still finds the mail: a claw-back, not a silent cancel.
        var got = (await agent.GetGrantAsync(new GetGrantRequest { GrantId = grantId })).Grant;
        Assert.Equal(DeliveryState.Delivered, got.Recipients.Single().DeliveryState);
        var revoked = (await supervisor.RevokeGrantAsync(new RevokeGrantRequest { GrantId = grantId, Reason = "duplicate" })).Grant;
        Assert.Equal(DeliveryState.ClawBackPending, revoked.Recipients.Single().DeliveryState);

        // The campaign's counters are its own; the recipients keep their mail's outcome.
        var after = (await supervisor.GetCampaignAsync(new GetCampaignRequest { CampaignId = campaignId })).Campaign;
        Assert.Equal((before.Expanded, before.Delivered, before.Failed, before.Cancelled), (after.Expanded, after.Delivered, after.Failed, after.Cancelled));
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id AND settled_outcome = 'applied'", ("id", campaignId)));
        Assert.Equal(1, await fx.CountAsync("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @id AND settled_outcome IS NULL", ("id", campaignId)));

        // Cancel with claw-back after the purge: the applied (purged) mail is clawed back, the unsent one cancelled.
        await supervisor.CancelCampaignAsync(new CancelCampaignRequest { CampaignId = campaignId, Reason = "wrong list", ClawBackDelivered = true });
        var cancelled = await WaitAsync(supervisor, campaignId, c => c.CancelFinishedAt is not null);
        Assert.Equal((2L, 1L, 3L), (cancelled.Delivered, cancelled.Cancelled, cancelled.Withdrawn));
        Assert.Equal(2, await fx.CountAsync("SELECT count(*) FROM gamelink_outbox WHERE kind = 'claw_back' AND game_server_id = 's1' AND outcome IS NULL AND correlation_id = ANY(@c)",
            ("c", new[] { $"campaign:{campaignId}:p001:clawback", $"campaign:{campaignId}:p002:clawback" })));

        // A clustered recurring job runs it.
        var scheduler = fx.Server.Services.GetRequiredKeyedService<IScheduler>(QuartzRegistration.SchedulerName);
        var trigger = await scheduler.GetTrigger(new TriggerKey(OutboxPurgeJob.Name, RecurringJobRegistration.Group)) as ISimpleTrigger;
        Assert.NotNull(trigger);
        Assert.Equal(TimeSpan.FromHours(1), trigger.RepeatInterval);
        Assert.True((await scheduler.GetMetadata()).JobStoreClustered);
    }

    private static GameCommand Kick(string player) => new() { Kick = new KickPlayer { PlayerId = player, Reason = "purge test" } };

    private async Task<long> EnqueueAsync(string gameServerId, GameCommand command, string correlation)
    {
        await using var scope = fx.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GmToolsDbContext>();
        var row = scope.ServiceProvider.GetRequiredService<CommandOutbox>().Enqueue(db, gameServerId, command, correlation);
        await db.SaveChangesAsync();
        return row.CommandId;
    }

    private async Task<long> ExpandedCampaignAsync(RewardService.RewardServiceClient creator, string[] players)
    {
        var r = new CreateCampaignRequest { Reason = "outage", TicketRef = "INC-7", MailTitle = "Sorry", MailBody = "Compensation", PlayerList = new PlayerListTarget() };
        r.Lines.Add(new RewardLine { ItemId = "gold", Count = 5 });
        var id = (await creator.CreateCampaignAsync(r)).Campaign.CampaignId;
        await creator.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = id, PlayerIds = { players } });
        await creator.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = id });
        await fx.Rewards("purge-approver", Role.Supervisor).ApproveCampaignAsync(new ApproveCampaignRequest { CampaignId = id, Reason = "ok" });
        await WaitAsync(creator, id, c => c.State == CampaignState.Expanded);
        return id;
    }

    private static async Task<Contracts.V1.Campaign> WaitAsync(RewardService.RewardServiceClient client, long id, Func<Contracts.V1.Campaign, bool> done)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var c = (await client.GetCampaignAsync(new GetCampaignRequest { CampaignId = id })).Campaign;
            if (done(c))
            {
                return c;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"campaign {id}: waited 30 s");
            await Task.Delay(50);
        }
    }
}
