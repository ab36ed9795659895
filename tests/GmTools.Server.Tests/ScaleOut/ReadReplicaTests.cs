using System.Diagnostics;
using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using ReadReplicaService = GmTools.Server.Persistence.ReadReplica;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.ScaleOut;

/// <summary>A private primary with a streaming replica made by pg_basebackup, a bound of a few seconds, probed often.</summary>
public sealed class ReadReplicaFixture : ServerFixture
{
    public static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(8);

    protected override bool UsesReadReplica => true;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:ReadReplica:MaxLag"] = MaxLag.ToString(),
        ["GmTools:ReadReplica:ProbeInterval"] = TimeSpan.FromMilliseconds(200).ToString(),
    };
}

public sealed class ReadReplicaTests : IClassFixture<ReadReplicaFixture>
{
    private const string Gs = "rr-1";
    private readonly ReadReplicaFixture _fx;

    public ReadReplicaTests(ReadReplicaFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        fx.LogTo(output);
    }

    [Fact]
    public async Task Heavy_reads_go_to_the_replica_within_the_bound_and_to_the_primary_while_it_lags_or_is_gone()
    {
        var reads = _fx.Server.Services.GetRequiredService<ReadReplicaService>();
        await _fx.GameServerCredentialAsync(Gs);
        Assert.True(await EventuallyAsync(() => Task.FromResult(reads.Usable), TimeSpan.FromSeconds(15)), "the replica never came into use");
        var players = new PlayerService.PlayerServiceClient(_fx.StaffChannel("gm-rr", Role.Supervisor));
        var audit = new AuditService.AuditServiceClient(_fx.StaffChannel("sup-rr", Role.Supervisor));
        var sanctions = _fx.Staff("gm-rr");
        async Task<bool> FoundAsync(string player) => (await players.SearchPlayersAsync(new SearchPlayersRequest { PlayerId = player })).Players.Count == 1;
        async Task<int> AuditedAsync(string player) => (await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PlayerId = player })).Records.Count;
        async Task<int> HistoryAsync(string player) =>
            (await sanctions.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = player, IncludeHistory = true })).Sanctions.Count;

        // A write on the primary is seen through the replica within the bound.
        await _fx.AddPlayerAsync("p-rr-1", Gs);
        var watch = Stopwatch.StartNew();
        var before = reads.ReplicaReads;
        Assert.True(await EventuallyAsync(() => FoundAsync("p-rr-1"), ReadReplicaFixture.MaxLag), "the new player never showed in a search");
        Assert.True(watch.Elapsed <= ReadReplicaFixture.MaxLag, $"seen after {watch.Elapsed}");
        await sanctions.IssueSanctionAsync(Mute("p-rr-1", Gs));
        Assert.True(await EventuallyAsync(async () => await HistoryAsync("p-rr-1") == 1 && await AuditedAsync("p-rr-1") == 1, ReadReplicaFixture.MaxLag));
        Assert.True(reads.ReplicaReads > before, "no read went to the replica");

        // Replay paused: the replica's answers are stale, which proves the reads went there; once the bound has
        // passed they come from the primary, fresh, while replay is still paused.
        await _fx.ReadReplica.ExecuteAsync("SELECT pg_wal_replay_pause()");
        var paused = Stopwatch.StartNew();
        await _fx.AddPlayerAsync("p-rr-2", Gs);
        await sanctions.IssueSanctionAsync(Mute("p-rr-2", Gs));
        var stale = (Found: await FoundAsync("p-rr-2"), History: await HistoryAsync("p-rr-2"), Audited: await AuditedAsync("p-rr-2"));
        Assert.True(paused.Elapsed < ReadReplicaFixture.MaxLag, $"the stale reads took {paused.Elapsed}: past the bound, nothing proven");
        Assert.Equal((false, 0, 0), stale);
        Assert.True(await EventuallyAsync(() => FoundAsync("p-rr-2"), ReadReplicaFixture.MaxLag + TimeSpan.FromSeconds(5)), "the primary never took over");
        // Staleness counts from the last probe sample the replica had replayed, which may be a probe or two (1 s
        // each) older than the pause while WAL keeps coming: the primary takes over at most that much early.
        Assert.True(paused.Elapsed >= ReadReplicaFixture.MaxLag - TimeSpan.FromSeconds(3), $"fresh after {paused.Elapsed}, well before the replica was past the bound");
        Assert.False(reads.Usable);
        Assert.Equal((1, 1), (await HistoryAsync("p-rr-2"), await AuditedAsync("p-rr-2")));

        // Resumed: back on the replica, which has caught up.
        await _fx.ReadReplica.ExecuteAsync("SELECT pg_wal_replay_resume()");
        Assert.True(await EventuallyAsync(() => Task.FromResult(reads.Usable), TimeSpan.FromSeconds(10)), "the replica never came back into use");
        before = reads.ReplicaReads;
        Assert.True(await FoundAsync("p-rr-2"));
        Assert.True(reads.ReplicaReads > before);

        // Gone: every read is answered from the primary (a search in flight is run again there).
        await _fx.ReadReplica.StopAsync();
        await _fx.AddPlayerAsync("p-rr-3", Gs);
        Assert.True(await FoundAsync("p-rr-3"));
        Assert.True(await EventuallyAsync(async () =>
        {
            try
            {
                return await AuditedAsync("p-rr-2") == 1;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false; // a listing in flight on the vanished replica: UNAVAILABLE once, the retry reads the primary
            }
        }, TimeSpan.FromSeconds(5)));
        Assert.False(reads.Usable);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal((true, 1, 1), (await FoundAsync("p-rr-3"), await HistoryAsync("p-rr-2"), await AuditedAsync("p-rr-2")));
        }
    }
}
