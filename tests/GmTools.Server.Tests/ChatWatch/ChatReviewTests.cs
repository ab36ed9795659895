using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static GmTools.Server.Tests.ChatWatch.ChatKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.ChatWatch;

public sealed class ChatReviewTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private async Task<ChatReview> FlagAsync(string gs, string player, string lineId, string text)
    {
        await fx.AddPlayerAsync(player, gs);
        var client = await fx.GameServerAsync(gs);
        var ack = await client.IngestAsync(gs, [Line(lineId, player, text)]);
        Assert.Equal(1, ack[0].Flagged);
        var gm = fx.ChatStaff("gm-list", Role.Gm);
        var list = await gm.ListChatReviewsAsync(new ListChatReviewsRequest { GameServerId = gs });
        return list.Reviews.Single(r => r.Line.LineId == lineId);
    }

    [Fact]
    public async Task A_gm_claims_and_confirms_a_flag_into_a_sanction_with_the_line_as_evidence()
    {
        var review = await FlagAsync("cw-rev", "p-rev", "rv-1", "你这个傻逼");
        Assert.Equal("pending", review.State);
        Assert.Equal("abuse", review.Line.Matches[0].Category);
        var gm = fx.ChatStaff("gm-rev", Role.Gm);
        var claimed = await gm.ClaimChatReviewAsync(new ClaimChatReviewRequest { ReviewId = review.ReviewId });
        Assert.Equal(("claimed", "gm-rev"), (claimed.Review.State, claimed.Review.ClaimedBy));

        var other = fx.ChatStaff("gm-other", Role.Gm);
        var taken = await Assert.ThrowsAsync<RpcException>(() => other.ConfirmChatReviewAsync(new ConfirmChatReviewRequest
        {
            ReviewId = review.ReviewId, SanctionKind = "mute", ReasonCode = "chat_abuse", Reason = "abuse",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, taken.StatusCode);

        var confirmed = await gm.ConfirmChatReviewAsync(new ConfirmChatReviewRequest
        {
            ReviewId = review.ReviewId, SanctionKind = "mute", ReasonCode = "chat_abuse", Reason = "insulted players in world chat",
        });
        Assert.Equal("confirmed", confirmed.Review.State);
        var sanctionId = long.Parse(confirmed.SanctionId, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM sanctions WHERE sanction_id = @s AND issued_by = 'gm-rev' AND 'rv-1' = ANY(evidence_chat_line_ids)", ("s", sanctionId)));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'chat.review.confirm' AND target_id = @id", ("id", review.ReviewId)));
        Assert.Contains(("cw-rev", "mute"), await fx.OutboxAsync(sanctionId));

        var players = new PlayerService.PlayerServiceClient(fx.StaffChannel("gm-dossier", Role.Gm));
        var dossier = await players.GetPlayerDossierAsync(new GetPlayerDossierRequest { PlayerId = "p-rev" });
        Assert.Equal("rv-1", dossier.RecentChatLines.Single().LineId);
        Assert.Equal(["abuse"], dossier.RecentChatLines[0].Flags);
        Assert.Equal(("rv-1", "confirmed"), (dossier.RecentChatFlags.Single().LineId, dossier.RecentChatFlags[0].ReviewState));
        Assert.Contains(dossier.ActiveSanctions, s => s.SanctionId == confirmed.SanctionId);
    }

    [Fact]
    public async Task Dismissing_with_a_phrase_teaches_the_allowlist()
    {
        var review = await FlagAsync("cw-dis", "p-dis", "ds-1", "刷元宝塔副本今晚开");
        var gm = fx.ChatStaff("gm-dis", Role.Gm);
        var wrongPhrase = await Assert.ThrowsAsync<RpcException>(() => gm.DismissChatReviewAsync(new DismissChatReviewRequest { ReviewId = review.ReviewId, AllowPhrase = "不在句中" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, wrongPhrase.StatusCode);
        var dismissed = await gm.DismissChatReviewAsync(new DismissChatReviewRequest { ReviewId = review.ReviewId, AllowPhrase = "刷元宝塔", Note = "a dungeon" });
        Assert.Equal("dismissed", dismissed.Review.State);
        Assert.True(dismissed.RuleVersion > 0);
        var admin = fx.ChatStaff("admin-dis", Role.Admin);
        var dry = await admin.DryRunChatRulesAsync(new DryRunChatRulesRequest { Lines = { "刷元宝塔副本今晚开", "刷元宝 便宜" } });
        Assert.Equal([false, true], dry.Results.Select(r => r.Flagged));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'chat.rules.allowlist'"));
    }

    [Fact]
    public async Task The_purge_deletes_dismissed_flags_past_their_retention_and_keeps_queued_and_evidence_flags()
    {
        var dismissed = await FlagAsync("cw-purge", "p-purge-1", "pg-1", "你这个傻逼");
        _ = await FlagAsync("cw-purge", "p-purge-2", "pg-2", "你这个傻逼");
        var evidence = await FlagAsync("cw-purge", "p-purge-3", "pg-3", "你这个傻逼");
        var gm = fx.ChatStaff("gm-purge", Role.Gm);
        await gm.DismissChatReviewAsync(new DismissChatReviewRequest { ReviewId = dismissed.ReviewId, Note = "banter" });
        await gm.ClaimChatReviewAsync(new ClaimChatReviewRequest { ReviewId = evidence.ReviewId });
        await gm.ConfirmChatReviewAsync(new ConfirmChatReviewRequest
        {
            ReviewId = evidence.ReviewId, SanctionKind = "mute", ReasonCode = "chat_abuse", Reason = "abuse",
        });
        var purge = fx.Server.Services.GetRequiredService<GmTools.Server.ChatWatch.ChatFlagPurge>();
        const string count = "SELECT count(*) FROM chat_flags WHERE game_server_id = 'cw-purge'";

        Assert.Equal(0, await purge.PurgeAsync(CancellationToken.None)); // a fresh dismissal is kept
        // Age every decision of this server by 91 days (the clock is shared by the class: it only moves forward).
        Assert.Equal(2, await fx.ScalarAsync("WITH aged AS (UPDATE chat_flags SET decided_at = decided_at - interval '91 days' WHERE game_server_id = 'cw-purge' AND decided_at IS NOT NULL RETURNING 1) SELECT count(*) FROM aged"));
        Assert.Equal(1, await purge.PurgeAsync(CancellationToken.None));
        Assert.Equal(0, await fx.ScalarAsync(count + " AND line_id = 'pg-1'"));
        Assert.Equal(1, await fx.ScalarAsync(count + " AND line_id = 'pg-2' AND state = 'pending'"));
        Assert.Equal(1, await fx.ScalarAsync(count + " AND line_id = 'pg-3' AND sanction_id IS NOT NULL"));
        Assert.Equal(0, await purge.PurgeAsync(CancellationToken.None));
        var scheduler = fx.Server.Services.GetRequiredKeyedService<Quartz.IScheduler>(GmTools.Server.Infrastructure.Quartz.QuartzRegistration.SchedulerName);
        Assert.NotNull(await scheduler.GetTrigger(new Quartz.TriggerKey("chat-flag-purge", "housekeeping")));
    }

    [Fact]
    public async Task A_scoped_gm_sees_only_their_servers_reviews_and_live_view()
    {
        var review = await FlagAsync("cw-scope-a", "p-scope", "sc-1", "你这个傻逼");
        var scoped = new ChatWatchService.ChatWatchServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("gm-b", ["cw-scope-b"], Role.Gm)));
        var list = await scoped.ListChatReviewsAsync(new ListChatReviewsRequest());
        Assert.DoesNotContain(list.Reviews, r => r.ReviewId == review.ReviewId);
        var claim = await Assert.ThrowsAsync<RpcException>(() => scoped.ClaimChatReviewAsync(new ClaimChatReviewRequest { ReviewId = review.ReviewId }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, claim.StatusCode);
        var recent = await Assert.ThrowsAsync<RpcException>(() => scoped.ListRecentChatAsync(new ListRecentChatRequest { GameServerId = "cw-scope-a", Channel = ChatChannel.World }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, recent.StatusCode);
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM chat_flags WHERE line_id = 'sc-1' AND state <> 'pending'"));
    }

    [Fact]
    public async Task A_gm_watches_one_servers_flagged_lines_live_and_pages_back_through_recent_lines()
    {
        const string gs = "cw-watch";
        var credential = await fx.GameServerCredentialAsync(gs);
        var b = fx.AddReplica();
        var gm = fx.ChatStaff("gm-watch", Role.Gm);
        using var watch = gm.WatchChat(new WatchChatRequest { GameServerId = gs, FlaggedOnly = true });
        var feed = fx.Server.Services.GetService(typeof(GmTools.Server.ChatWatch.ChatLiveFeed)) as GmTools.Server.ChatWatch.ChatLiveFeed;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (feed!.Watchers == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        // ingested through the other replica: the view follows via Redis pub/sub
        var viaB = new ChatWatchService.ChatWatchServiceClient(b.Channel(credential));
        await viaB.IngestAsync(gs, [Line("w-1", "p-w", "hello there"), Line("w-2", "p-w", "加我qq 12345678"), Line("w-3", "p-w", "bye")]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal("w-2", watch.ResponseStream.Current.Line.LineId);
        Assert.NotEmpty(watch.ResponseStream.Current.Line.Matches);

        var page1 = await gm.ListRecentChatAsync(new ListRecentChatRequest { GameServerId = gs, Channel = ChatChannel.World, PageSize = 2 });
        Assert.True(page1.Live);
        Assert.Equal(["w-3", "w-2"], page1.Lines.Select(l => l.LineId));
        var page2 = await gm.ListRecentChatAsync(new ListRecentChatRequest { GameServerId = gs, Channel = ChatChannel.World, PageSize = 2, PageToken = page1.NextPageToken });
        Assert.Equal(["w-1"], page2.Lines.Select(l => l.LineId));

        var hot = await gm.ListHotChatOffendersAsync(new ListHotChatOffendersRequest { GameServerId = gs });
        Assert.Equal(("p-w", 1L), (hot.Offenders[0].PlayerId, hot.Offenders[0].FlaggedLines));
    }
}
