using System.Threading.Channels;
using GmTools.Console.Security;
using Grpc.Core;

namespace GmTools.Console.Tests.Components;

/// <summary>The permissions WhoAmI reports for the live pages (chat watch, announcements), on top of part 1's.</summary>
public static class LivePermissions
{
    public static readonly string[] Viewer = [.. ComponentTest.ViewerPermissions, Perm.AnnouncementsRead];
    public static readonly string[] Agent = [.. ComponentTest.AgentPermissions, Perm.AnnouncementsRead, Perm.AnnouncementsDraft];
    public static readonly string[] Gm =
        [.. ComponentTest.GmPermissions, Perm.ChatWatch, Perm.ChatReview, Perm.AnnouncementsRead, Perm.AnnouncementsDraft, Perm.AnnouncementsPublish];
    public static readonly string[] Supervisor = [.. ComponentTest.SupervisorPermissions, .. Gm, Perm.ChatRulesRead, Perm.AnnouncementsApprove];
    public static readonly string[] Admin = [.. ComponentTest.AdminPermissions, .. Supervisor, Perm.ChatRulesManage];
}

/// <summary>A server stream the test writes to; completing it ends the call as the server would.</summary>
public sealed class ScriptedReplies<T> : IAsyncStreamReader<T>
{
    private readonly Channel<T> _items = Channel.CreateUnbounded<T>();

    public T Current { get; private set; } = default!;

    public void Write(T item) => _items.Writer.TryWrite(item);

    public void Fail(RpcException error) => _items.Writer.TryComplete(error);

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await _items.Reader.WaitToReadAsync(cancellationToken))
        {
            return false;
        }
        Current = await _items.Reader.ReadAsync(cancellationToken);
        return true;
    }

    public AsyncServerStreamingCall<T> Call() =>
        new(this, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => _items.Writer.TryComplete());
}

public sealed class FakeChat : ChatWatchService.ChatWatchServiceClient
{
    public List<WatchChatRequest> Watches { get; } = [];

    public List<ScriptedReplies<WatchChatResponse>> Streams { get; } = [];

    public ScriptedReplies<WatchChatResponse> Stream => Streams[^1];

    public List<ChatLine> Recent { get; } = [];

    public List<ChatReview> Reviews { get; } = [];

    public List<ConfirmChatReviewRequest> Confirmed { get; } = [];

    public List<DismissChatReviewRequest> Dismissed { get; } = [];

    public Queue<RpcException> Refusals { get; } = new();

    /// <summary>Who ClaimChatReview says took the review (the signed-in tester).</summary>
    public string Claimer { get; set; } = "gm.tester";

    public override AsyncServerStreamingCall<WatchChatResponse> WatchChat(WatchChatRequest request, CallOptions options)
    {
        Watches.Add(request.Clone());
        var stream = new ScriptedReplies<WatchChatResponse>();
        Streams.Add(stream);
        return stream.Call();
    }

    public override AsyncUnaryCall<ListRecentChatResponse> ListRecentChatAsync(ListRecentChatRequest request, CallOptions options) =>
        Calls.Ok(new ListRecentChatResponse { Live = true, Lines = { Recent.Where(l => l.Channel == request.Channel) } });

    public override AsyncUnaryCall<ListChatReviewsResponse> ListChatReviewsAsync(ListChatReviewsRequest request, CallOptions options) =>
        Calls.Ok(new ListChatReviewsResponse { Reviews = { Reviews } });

    public override AsyncUnaryCall<ClaimChatReviewResponse> ClaimChatReviewAsync(ClaimChatReviewRequest request, CallOptions options)
    {
        var review = Reviews.First(r => r.ReviewId == request.ReviewId).Clone();
        review.State = "claimed";
        review.ClaimedBy = Claimer;
        return Calls.Ok(new ClaimChatReviewResponse { Review = review });
    }

    public override AsyncUnaryCall<ConfirmChatReviewResponse> ConfirmChatReviewAsync(ConfirmChatReviewRequest request, CallOptions options)
    {
        Confirmed.Add(request.Clone());
        if (Refusals.TryDequeue(out var refusal))
        {
            return Calls.Fail<ConfirmChatReviewResponse>(refusal);
        }
        var review = Reviews.First(r => r.ReviewId == request.ReviewId).Clone();
        review.State = "confirmed";
        review.SanctionId = "41";
        return Calls.Ok(new ConfirmChatReviewResponse { Review = review, SanctionId = "41" });
    }

    public override AsyncUnaryCall<DismissChatReviewResponse> DismissChatReviewAsync(DismissChatReviewRequest request, CallOptions options)
    {
        Dismissed.Add(request.Clone());
        var review = Reviews.First(r => r.ReviewId == request.ReviewId).Clone();
        review.State = "dismissed";
        return Calls.Ok(new DismissChatReviewResponse { Review = review });
    }

    public static ChatLine Line(string id, string sender, string text, params ChatMatch[] matches) => new()
    {
        LineId = id,
        GameServerId = "s1",
        Channel = ChatChannel.World,
        SenderPlayerId = sender,
        Text = text,
        SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 3, 4, 0, 0, TimeSpan.Zero)),
        Matches = { matches },
    };

    public static ChatMatch Ad(int start, int length) =>
        new() { Category = "ads", Rule = "term", Term = "出售金币", Start = start, Length = length, Steps = { "separators", "traditional" } };
}

public sealed class FakeAnnouncements : AnnouncementService.AnnouncementServiceClient
{
    private static readonly string[] AllServerIds = ["s1", "s2"];

    public List<CreateAnnouncementRequest> Created { get; } = [];

    public List<PreviewAnnouncementRequest> Previewed { get; } = [];

    public List<(string Action, long Id, string Reason)> Actions { get; } = [];

    public Dictionary<long, Announcement> Stored { get; } = [];

    public List<AnnouncementReceipt> Receipts { get; } = [];

    public Queue<RpcException> Refusals { get; } = new();

    /// <summary>What a publish answers: PendingApproval when it reaches all servers (four-eyes).</summary>
    public override AsyncUnaryCall<CreateAnnouncementResponse> CreateAnnouncementAsync(CreateAnnouncementRequest request, CallOptions options)
    {
        Created.Add(request.Clone());
        if (Refusals.TryDequeue(out var refusal))
        {
            return Calls.Fail<CreateAnnouncementResponse>(refusal);
        }
        var state = !request.Publish ? AnnouncementState.Draft : request.Spec.Targets.AllServers ? AnnouncementState.PendingApproval : AnnouncementState.Active;
        var a = new Announcement { AnnouncementId = 500 + Created.Count, Spec = request.Spec, State = state, Author = "gm.tester" };
        Stored[a.AnnouncementId] = a;
        return Calls.Ok(new CreateAnnouncementResponse { Announcement = a });
    }

    public override AsyncUnaryCall<PreviewAnnouncementResponse> PreviewAnnouncementAsync(PreviewAnnouncementRequest request, CallOptions options)
    {
        Previewed.Add(request.Clone());
        var start = request.Spec.Start;
        return Calls.Ok(new PreviewAnnouncementResponse
        {
            Fires = { new PreviewFire { At = start, Texts = { request.Spec.Texts } } },
            GameServerIds = { request.Spec.Targets.AllServers ? AllServerIds : [.. request.Spec.Targets.GameServerIds] },
            NeedsApproval = request.Spec.Targets.AllServers,
        });
    }

    public override AsyncUnaryCall<GetAnnouncementResponse> GetAnnouncementAsync(GetAnnouncementRequest request, CallOptions options) =>
        Calls.Ok(new GetAnnouncementResponse { Announcement = Stored[request.AnnouncementId] });

    public override AsyncUnaryCall<ListAnnouncementsResponse> ListAnnouncementsAsync(ListAnnouncementsRequest request, CallOptions options) =>
        Calls.Ok(new ListAnnouncementsResponse { Announcements = { Stored.Values.Where(a => request.State == AnnouncementState.Unspecified || a.State == request.State) } });

    public override AsyncUnaryCall<ListAnnouncementReceiptsResponse> ListAnnouncementReceiptsAsync(ListAnnouncementReceiptsRequest request, CallOptions options) =>
        Calls.Ok(new ListAnnouncementReceiptsResponse { Receipts = { Receipts } });

    public override AsyncUnaryCall<ApproveAnnouncementResponse> ApproveAnnouncementAsync(ApproveAnnouncementRequest request, CallOptions options) =>
        Calls.Ok(new ApproveAnnouncementResponse { Announcement = Move("approve", request.AnnouncementId, request.Reason, AnnouncementState.Active) });

    public override AsyncUnaryCall<RejectAnnouncementResponse> RejectAnnouncementAsync(RejectAnnouncementRequest request, CallOptions options) =>
        Calls.Ok(new RejectAnnouncementResponse { Announcement = Move("reject", request.AnnouncementId, request.Reason, AnnouncementState.Rejected) });

    public override AsyncUnaryCall<CancelAnnouncementResponse> CancelAnnouncementAsync(CancelAnnouncementRequest request, CallOptions options) =>
        Calls.Ok(new CancelAnnouncementResponse { Announcement = Move("cancel", request.AnnouncementId, request.Reason, AnnouncementState.Cancelled) });

    private Announcement Move(string action, long id, string reason, AnnouncementState state)
    {
        Actions.Add((action, id, reason));
        var moved = Stored[id].Clone();
        moved.State = state;
        Stored[id] = moved;
        return moved;
    }

    public static Announcement Pending(long id, string author) => new()
    {
        AnnouncementId = id,
        Author = author,
        State = AnnouncementState.PendingApproval,
        Spec = new AnnouncementSpec
        {
            Display = AnnouncementDisplay.Marquee,
            Targets = new AnnouncementTargets { AllServers = true },
            Texts = { new LocalizedText { Locale = "zh-CN", Text = "全服维护补偿已发放" }, new LocalizedText { Locale = "en", Text = "Compensation is in your mail" } },
            Start = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 3, 4, 0, 0, TimeSpan.Zero)),
            End = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 3, 5, 0, 0, TimeSpan.Zero)),
        },
    };
}

/// <summary>The rule RPCs of the chat watch service, for the rules page.</summary>
public sealed class FakeChatRules : ChatWatchService.ChatWatchServiceClient
{
    public ChatRules Rules { get; } = new()
    {
        Categories = { new ChatCategory { Name = "ads" }, new ChatCategory { Name = "abuse" } },
        Terms = { new ChatTerm { Text = "出售金币", Category = "ads" }, new ChatTerm { Text = "代练", Category = "ads" }, new ChatTerm { Text = "傻逼", Category = "abuse" } },
        Allowlist = { "死亡矿井" },
    };

    public long Version { get; set; } = 7;

    public List<DryRunChatRulesRequest> DryRuns { get; } = [];

    public List<EditChatTermRequest> TermEdits { get; } = [];

    public List<ImportChatRulesRequest> Imports { get; } = [];

    public List<RollBackChatRulesRequest> Rollbacks { get; } = [];

    public Queue<RpcException> Refusals { get; } = new();

    public override AsyncUnaryCall<GetChatRulesResponse> GetChatRulesAsync(GetChatRulesRequest request, CallOptions options) =>
        Calls.Ok(new GetChatRulesResponse { Rules = Rules, Version = new ChatRuleVersion { Version = Version, Source = "import", TermCount = Rules.Terms.Count } });

    public override AsyncUnaryCall<ListChatRuleVersionsResponse> ListChatRuleVersionsAsync(ListChatRuleVersionsRequest request, CallOptions options) =>
        Calls.Ok(new ListChatRuleVersionsResponse
        {
            Versions = { Enumerable.Range(1, (int)Version).Reverse().Select(v => new ChatRuleVersion { Version = v, Source = v == 1 ? "starter" : "edit", CreatedBy = "ada.admin", TermCount = 3 }) },
        });

    /// <summary>A line is flagged when it contains a term of the document scored (the version in force or the proposed one).</summary>
    public override AsyncUnaryCall<DryRunChatRulesResponse> DryRunChatRulesAsync(DryRunChatRulesRequest request, CallOptions options)
    {
        DryRuns.Add(request.Clone());
        var rules = request.RulesCase == DryRunChatRulesRequest.RulesOneofCase.Proposed ? request.Proposed : Rules;
        return Calls.Ok(new DryRunChatRulesResponse
        {
            Version = request.RulesCase == DryRunChatRulesRequest.RulesOneofCase.Proposed ? 0 : Version,
            Results =
            {
                request.Lines.Select(line => new DryRunResult
                {
                    Text = line,
                    Flagged = rules.Terms.Any(t => line.Contains(t.Text, StringComparison.Ordinal)),
                    Matches = { rules.Terms.Where(t => line.Contains(t.Text, StringComparison.Ordinal)).Select(t => new ChatMatch { Category = t.Category, Rule = "term", Term = t.Text }) },
                }),
            },
        });
    }

    public override AsyncUnaryCall<EditChatTermResponse> EditChatTermAsync(EditChatTermRequest request, CallOptions options)
    {
        TermEdits.Add(request.Clone());
        return Refusals.TryDequeue(out var refusal) ? Calls.Fail<EditChatTermResponse>(refusal) : Calls.Ok(new EditChatTermResponse { Version = new ChatRuleVersion { Version = ++Version } });
    }

    public override AsyncUnaryCall<ImportChatRulesResponse> ImportChatRulesAsync(ImportChatRulesRequest request, CallOptions options)
    {
        Imports.Add(request.Clone());
        return Refusals.TryDequeue(out var refusal) ? Calls.Fail<ImportChatRulesResponse>(refusal) : Calls.Ok(new ImportChatRulesResponse { Version = new ChatRuleVersion { Version = ++Version } });
    }

    public override AsyncUnaryCall<RollBackChatRulesResponse> RollBackChatRulesAsync(RollBackChatRulesRequest request, CallOptions options)
    {
        Rollbacks.Add(request.Clone());
        return Calls.Ok(new RollBackChatRulesResponse { Version = new ChatRuleVersion { Version = ++Version, BasedOn = request.ToVersion } });
    }
}
