using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmTools.Server.Tests.ChatWatch;

internal static class ChatKit
{
    public static ChatLineIn Line(string id, string sender, string text, ChatChannel channel = ChatChannel.World) => new()
    {
        LineId = id,
        Channel = channel,
        SenderPlayerId = sender,
        Text = ByteString.CopyFromUtf8(text),
        SentAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero)),
    };

    public static ChatLineIn RawLine(string id, string sender, byte[] text) => new()
    {
        LineId = id,
        Channel = ChatChannel.World,
        SenderPlayerId = sender,
        Text = ByteString.CopyFrom(text),
        SentAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero)),
    };

    public static async Task<ChatWatchService.ChatWatchServiceClient> GameServerAsync(this ServerFixture fx, string gs, GmToolsFactory? replica = null) =>
        new((replica ?? fx.Server).Channel(await fx.GameServerCredentialAsync(gs)));

    public static ChatWatchService.ChatWatchServiceClient ChatStaff(this ServerFixture fx, string user, Security.Role role, GmToolsFactory? replica = null) =>
        new((replica ?? fx.Server).Channel((replica ?? fx.Server).StaffToken(user, role)));

    /// <summary>Sends the batches over one stream and returns their acks, in order.</summary>
    public static async Task<List<IngestChatResponse>> IngestAsync(this ChatWatchService.ChatWatchServiceClient client, string gs, params ChatLineIn[][] batches)
    {
        using var call = client.IngestChat();
        var acks = new List<IngestChatResponse>();
        var id = 0L;
        foreach (var lines in batches)
        {
            await call.RequestStream.WriteAsync(new IngestChatRequest { GameServerId = gs, BatchId = ++id, Lines = { lines } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            acks.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        return acks;
    }

    /// <summary>The status the stream ends with after sending one batch.</summary>
    public static async Task<RpcException> IngestFailsAsync(this ChatWatchService.ChatWatchServiceClient client, IngestChatRequest batch)
    {
        using var call = client.IngestChat();
        // The refusal may end the call before the batch is even written: then it surfaces on the write.
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(batch);
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
    }
}
