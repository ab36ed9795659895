using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using GmTools.Simulator;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Console.Tests.Browser;

/// <summary>
/// The live half of the console against a simulated game server in-process (GmTools.Simulator over a real GameLink
/// stream): its chat reaches the GM's live page, the GM's mute and an announcement made in the console reach it.
/// </summary>
[Collection(nameof(BrowserJourneys))]
public sealed class LiveJourneyTests(ConsoleFixture fx)
{
    private const string Server = "s1";

    /// <summary>A game server of the demo world: its credential, a GameLink session recording the commands it applies.</summary>
    private sealed class GameServerSim : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        private GameServerSim(ConsoleFixture fx, string credential)
        {
            Credential = credential;
            var sim = new SimulatedGameServer(Server, new GameLinkService.GameLinkServiceClient(fx.Server.Channel(credential)),
                new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
            sim.CommandReceived += (command, first) =>
            {
                if (first)
                {
                    Commands.Enqueue(command);
                }
            };
            _run = sim.RunAsync(_stop.Token);
            Chat = new ChatWatchService.ChatWatchServiceClient(fx.Server.Channel(credential));
            Players = new PlayerService.PlayerServiceClient(fx.Server.Channel(credential));
        }

        public string Credential { get; }

        public ConcurrentQueue<GameCommand> Commands { get; } = new();

        public ChatWatchService.ChatWatchServiceClient Chat { get; }

        public PlayerService.PlayerServiceClient Players { get; }

        public static async Task<GameServerSim> StartAsync(ConsoleFixture fx) => new(fx, await fx.GameServerCredentialAsync(Server));

        /// <summary>The game's own player, synced as the game server does, so it has no history in the demo world.</summary>
        public async Task<string> NewPlayerAsync(string name)
        {
            var id = "live-" + Guid.NewGuid().ToString("N")[..10];
            await Players.SyncPlayersAsync(new SyncPlayersRequest
            {
                GameServerId = Server,
                Players = { new PlayerProfile { PlayerId = id, Account = "acct-" + id, CharacterName = name, Level = 30, Version = 1, Online = true } },
            });
            return id;
        }

        /// <summary>One batch up the IngestChat stream, its ack read back.</summary>
        public async Task<IngestChatResponse> SayAsync(string lineId, string sender, string text)
        {
            using var call = Chat.IngestChat();
            await call.RequestStream.WriteAsync(new IngestChatRequest
            {
                GameServerId = Server,
                BatchId = 1,
                Lines =
                {
                    new ChatLineIn
                    {
                        LineId = lineId, Channel = ChatChannel.World, SenderPlayerId = sender,
                        Text = ByteString.CopyFromUtf8(text), SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    },
                },
            });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var ack = call.ResponseStream.Current;
            await call.RequestStream.CompleteAsync();
            return ack;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
            {
            }
            _stop.Dispose();
        }
    }

    private static string Line(Browser b, string lineId) => $"[data-testid='chat-line'][data-line-id='{lineId}']";

    [Fact]
    public async Task A_disguised_ad_line_shows_highlighted_within_two_seconds_and_one_click_mutes_the_sender_on_the_game_server()
    {
        await using var game = await GameServerSim.StartAsync(fx);
        var spammer = await game.NewPlayerAsync("金币商人");
        var chatter = await game.NewPlayerAsync("路人甲");

        using var b = fx.NewBrowser();
        b.SignIn("gus.gm");
        b.Click("nav-chat-live");
        b.WaitUntil(() => b.Find("chat-status").GetAttribute("data-connected") == "true", "the live view to connect");

        // The stream is up once an ordinary line shows (a line sent before the server registered the watcher is not replayed).
        var warm = 0;
        b.WaitUntil(() =>
        {
            var id = $"warm-{spammer}-{warm++}";
            Assert.Equal(1, game.SayAsync(id, chatter, "今晚一起刷副本吗").GetAwaiter().GetResult().Accepted);
            return WaitBriefly(b, Line(b, id));
        }, "an ordinary line on the live page");

        // The disguise: spaces between the characters and a traditional character (幣).
        var adId = $"ad-{spammer}";
        var sent = Stopwatch.StartNew();
        var ack = await game.SayAsync(adId, spammer, "出 售 金 幣 速来 便宜");
        Assert.Equal(1, ack.Flagged);
        b.WaitUntil(() => b.Driver.FindElements(By.CssSelector($"{Line(b, adId)}[data-flagged='true'] [data-testid='chat-hit']")).Count > 0, "the ad line highlighted");
        var shownAfter = sent.Elapsed;
        Assert.True(shownAfter < TimeSpan.FromSeconds(2), $"the flagged line showed after {shownAfter.TotalMilliseconds:0} ms");
        var row = b.Driver.FindElement(By.CssSelector(Line(b, adId)));
        var match = row.FindElement(By.CssSelector("[data-testid='chat-match']"));
        Assert.Equal("ads", match.GetAttribute("data-category"));
        Assert.Contains("separators", match.GetAttribute("data-steps") ?? "", StringComparison.Ordinal);
        b.Screenshot("chat-live");

        // One click on the sender: the mute form, prefilled with the line as evidence and a reason.
        row.FindElement(By.CssSelector("[data-testid='chat-sender']")).Click();
        b.Find("issue-panel");
        Assert.Contains(adId, b.Input("issue-evidence").GetAttribute("value") ?? "", StringComparison.Ordinal);
        Assert.Contains("出 售 金 幣", b.Input("issue-reason").GetAttribute("value") ?? "", StringComparison.Ordinal);
        b.Click("issue-submit");
        b.WaitUntil(() => !b.Exists("issue-panel"), "the mute form closed");
        b.Find("chat-muted");

        // The mute reaches the simulated game server over its GameLink stream.
        b.WaitUntil(() => game.Commands.Any(c => c.Mute?.PlayerId == spammer), "the mute command on the game server");
        var sanctions = new SanctionService.SanctionServiceClient(fx.StaffChannel("ada.admin", Role.Admin));
        var mute = Assert.Single((await sanctions.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = spammer })).Sanctions);
        Assert.Equal(("gus.gm", SanctionKind.Mute), (mute.IssuedBy, mute.Kind));
        Assert.Equal(mute.SanctionId.ToString(CultureInfo.InvariantCulture), game.Commands.First(c => c.Mute?.PlayerId == spammer).Mute.SanctionId);
    }

    [Fact]
    public async Task An_announcement_created_in_the_console_is_received_by_the_simulated_game_server()
    {
        await using var game = await GameServerSim.StartAsync(fx);
        using var b = fx.NewBrowser();
        b.SignIn("gus.gm");
        b.Click("nav-announcements");
        b.Click("announcement-new");
        var zh = $"今晚八点双倍经验 {Guid.NewGuid():N}"[..20];
        b.Type("ann-text-zh-CN", zh);
        b.Type("ann-text-en", "Double XP tonight at eight");
        b.Tick($"ann-server-{Server}");
        b.Type("ann-reason", "weekly event");
        b.Click("ann-preview");
        b.WaitForText("announcement-preview", Server);
        b.Click("ann-publish");
        b.WaitUntil(() => b.Find("announcement").GetAttribute("data-state") is "Active" or "Scheduled", "the published announcement's page");
        var id = new Uri(b.Driver.Url).AbsolutePath.Split('/')[^1];

        // The due-fires poller runs on its schedule; one poll by hand here does what it would (once per occurrence either way).
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GmTools.Server.Announcements.AnnouncementDispatcher>().FireDueAsync(CancellationToken.None);
        }
        b.WaitUntil(() => game.Commands.Any(c => c.ShowAnnouncement?.AnnouncementId == id), "the show command on the game server");
        var show = game.Commands.First(c => c.ShowAnnouncement?.AnnouncementId == id).ShowAnnouncement;
        Assert.Equal(zh, show.TextByLocale["zh-CN"]);
        Assert.Equal("Double XP tonight at eight", show.TextByLocale["en"]);

        // The receipt says the one target server acknowledged it.
        b.WaitUntil(() =>
        {
            b.Click("ann-receipts-reload");
            return b.All("ann-receipt").Any(r => r.GetAttribute("data-acknowledged") == "1" && r.GetAttribute("data-targets") == "1");
        }, "reached 1 of 1 servers");
        b.Screenshot("announcement");
    }

    /// <summary>True when the element shows within a second (the caller sends again otherwise).</summary>
    private static bool WaitBriefly(Browser b, string css)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1))
        {
            if (b.Driver.FindElements(By.CssSelector(css)).Count > 0)
            {
                return true;
            }
            Thread.Sleep(50);
        }
        return false;
    }
}
