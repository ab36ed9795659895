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
        review.ClaimedBy = "gm.tester";
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
