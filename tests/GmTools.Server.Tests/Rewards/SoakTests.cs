using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Simulator;
using Grpc.Core;
using Npgsql;
using static GmTools.Server.Tests.GameLink.GameLinkTestKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Rewards;

/// <summary>GameLink timings on the fake clock (acks time out after 30 s) and a guard rail the soak never reaches.</summary>
public sealed class SoakFixture : RewardsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["GmTools:GameLink:HeartbeatInterval"] = TimeSpan.FromMinutes(2).ToString(),
        ["GmTools:GameLink:AckTimeout"] = TimeSpan.FromSeconds(30).ToString(),
        ["GmTools:GameLink:SweepInterval"] = TimeSpan.FromSeconds(5).ToString(),
        ["GmTools:Sanctions:GuardRailPlayersPerMinute"] = "100000",
        ["GmTools:Rewards:Limits:Supervisor:PerDay"] = "1000000000",
    };
}

/// <summary>
/// Issue #11's soak: seeded and bounded (GMTOOLS_SOAK_STEPS, default 250; GMTOOLS_SOAK_SEED). Staff grant, revoke,
/// mute and lift through two replicas at random while s1 holds a stream on replica A (late acks, dropped and
/// re-made connections, its hello reporting what it applied) and s2 pulls through either replica and answers out of
/// order, twice, late, not at all (redelivered after the ack timeout) or "failed". At the end, with everything
/// answered: per game server, the commands it applied are exactly the outbox rows settled "applied"; per player, the
/// gold held is what the grants' delivery states say and the mutes in force are those the ledger has in force; no
/// grant has two mails or two claw-backs for a player.
/// </summary>
public sealed class SoakTests(SoakFixture fx) : IClassFixture<SoakFixture>
{
    private static readonly string[] S1Players = [.. Enumerable.Range(1, 10).Select(i => $"p{i:D3}")];
    private static readonly string[] S2Players = [.. Enumerable.Range(11, 10).Select(i => $"p{i:D3}")];

    [Fact]
    public async Task Grants_revokes_mutes_and_lifts_under_unruly_game_servers_end_with_the_ledger_and_the_game_servers_agreeing()
    {
        var steps = int.TryParse(Environment.GetEnvironmentVariable("GMTOOLS_SOAK_STEPS"), CultureInfo.InvariantCulture, out var n) ? n : 250;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GMTOOLS_SOAK_SEED"), CultureInfo.InvariantCulture, out var sd) ? sd : 20261202;
        var random = new Random(seed);
        var a = fx.Server;
        var b = fx.AddReplica();
        var supervisors = new[] { a, b }.Select(r => new RewardService.RewardServiceClient(r.Channel(r.StaffToken("soak-sup", Role.Supervisor)))).ToArray();
        var gms = new[] { a, b }.Select(r => new SanctionService.SanctionServiceClient(r.Channel(r.StaffToken("soak-gm", Role.Gm)))).ToArray();

        var s1 = Sim(a, "s1", fx.Credential("s1"), new SimulatorOptions { HeartbeatInterval = TimeSpan.FromMinutes(10), AckDelay = TimeSpan.FromMilliseconds(2), Seed = seed });
        var s1Run = Start(s1);
        var s2 = new UnrulyGameServer("s2", [.. new[] { a, b }.Select(r => new GameLinkService.GameLinkServiceClient(r.Channel(fx.Credential("s2"))))], new Random(seed + 1));

        var grants = new List<long>();
        var sanctions = new List<long>();
        var refused = 0;
        try
        {
            for (var step = 0; step < steps; step++)
            {
                var roll = random.Next(100);
                try
                {
                    if (roll < 35)
                    {
                        var grant = new CreateGrantRequest { IdempotencyKey = $"soak-{seed}-{step}", Reason = "soak", MailTitle = "Soak" };
                        grant.Lines.Add(new RewardLine { ItemId = "gold", Count = 1 + random.Next(50) });
                        grant.PlayerIds.AddRange(Pick(random, 1 + random.Next(2)));
                        var created = await supervisors[random.Next(2)].CreateGrantAsync(grant);
                        grants.Add(created.Grant.GrantId);
                        if (random.Next(10) == 0)
                        {
                            await supervisors[random.Next(2)].CreateGrantAsync(grant); // a client retry: replayed, nothing new
                        }
                    }
                    else if (roll < 50 && grants.Count > 0)
                    {
                        await supervisors[random.Next(2)].RevokeGrantAsync(new RevokeGrantRequest { GrantId = grants[random.Next(grants.Count)], Reason = "soak revoke" });
                    }
                    else if (roll < 75)
                    {
                        var player = Pick(random, 1)[0];
                        var mute = new IssueSanctionRequest
                        {
                            PlayerId = player, Kind = SanctionKind.Mute, Scope = new SanctionScope { GameServerId = S1Players.Contains(player) ? "s1" : "s2" },
                            End = new SanctionEnd { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(3)) },
                            ReasonCode = "chat_abuse", Reason = "soak", OverrideReason = "soak duration",
                        };
                        sanctions.Add((await gms[random.Next(2)].IssueSanctionAsync(mute)).Sanction.SanctionId);
                    }
                    else if (sanctions.Count > 0)
                    {
                        await gms[random.Next(2)].LiftSanctionAsync(new LiftSanctionRequest { SanctionId = sanctions[random.Next(sanctions.Count)], Reason = "soak lift" });
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
                {
                    refused++; // revoking a revoked grant, lifting a lifted mute: the ledger refuses, nothing changes
                }
                await s2.RoundAsync(drain: false);
                if (step % 40 == 39)
                {
                    // s1 drops its stream; the game server comes back with its hello (last applied) a moment later.
                    await s1Run.DisposeAsync();
                    s1Run = Start(s1);
                }
                if (step % 5 == 4)
                {
                    fx.Clock.Advance(TimeSpan.FromSeconds(31)); // past the ack timeout: what was not answered comes again
                }
            }

            // Everything answered: s2 now acks all it holds (still shuffled and sometimes twice), s1 keeps streaming.
            await PollAsync(async () =>
            {
                await s2.RoundAsync(drain: true);
                return await CountAsync("SELECT count(*) FROM gamelink_outbox WHERE outcome IS NULL") == 0;
            }, "every command answered", TimeSpan.FromSeconds(90), () => fx.Clock.Advance(TimeSpan.FromSeconds(31)));
        }
        finally
        {
            await s1Run.DisposeAsync();
        }

        Assert.True(grants.Count > steps / 5, $"only {grants.Count} grants in {steps} steps");
        // Per game server: applied by the game server == settled "applied" in the outbox, id for id.
        Assert.Equal(await IdsAsync("s1", "applied"), s1.AppliedOrder().Order().ToList());
        Assert.Equal(await IdsAsync("s2", "applied"), s2.Applied.Order().ToList());
        Assert.Equal(s1.AppliedOrder().Length, s1.AppliedOrder().Distinct().Count());
        // No grant mailed or clawed back twice to one player.
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM (SELECT correlation_id FROM gamelink_outbox WHERE correlation_id LIKE 'grant:%' GROUP BY correlation_id HAVING count(*) > 1) d"));

        // Per player: what the game server holds is what the ledger says.
        var viewer = new RewardService.RewardServiceClient(a.Channel(a.StaffToken("soak-reader", Role.Supervisor)));
        var owed = new Dictionary<string, long>();
        foreach (var id in grants.Distinct())
        {
            var grant = (await viewer.GetGrantAsync(new GetGrantRequest { GrantId = id })).Grant;
            var gold = grant.Lines.Where(l => l.ItemId == "gold").Sum(l => l.Count);
            foreach (var r in grant.Recipients)
            {
                Assert.Contains(r.DeliveryState, new[] { DeliveryState.Delivered, DeliveryState.ClawedBack, DeliveryState.Cancelled, DeliveryState.Failed });
                owed[r.PlayerId] = owed.GetValueOrDefault(r.PlayerId) + (r.DeliveryState == DeliveryState.Delivered ? gold : 0);
            }
        }
        foreach (var p in S1Players)
        {
            Assert.True(owed.GetValueOrDefault(p) == s1.Holdings(p).GetValueOrDefault("gold"), $"{p}: ledger {owed.GetValueOrDefault(p)}, s1 holds {s1.Holdings(p).GetValueOrDefault("gold")}");
        }
        foreach (var p in S2Players)
        {
            Assert.True(owed.GetValueOrDefault(p) == s2.Gold(p), $"{p}: ledger {owed.GetValueOrDefault(p)}, s2 holds {s2.Gold(p)}");
        }
        var reader = new SanctionService.SanctionServiceClient(a.Channel(a.StaffToken("soak-reader", Role.Gm)));
        foreach (var p in S2Players)
        {
            var inForce = (await reader.ListSanctionsAsync(new ListSanctionsRequest { PlayerId = p, PageSize = 500 })).Sanctions.Any(s => s.Kind == SanctionKind.Mute);
            Assert.True(inForce == s2.Muted(p), $"{p}: ledger muted {inForce}, s2 muted {s2.Muted(p)}");
        }
        Assert.True(s2.AckedTwice > 0 && s2.AckedLate > 0 && s2.Dropped > 0 && s2.Failures > 0 && s1.Sessions > 1, "the soak did not exercise every kind of unruliness");
    }

    private static string[] Pick(Random random, int count)
    {
        var all = S1Players.Concat(S2Players).ToArray();
        return [.. Enumerable.Range(0, count).Select(_ => all[random.Next(all.Length)]).Distinct()];
    }

    private async Task<long> CountAsync(string sql) => await fx.CountAsync(sql);

    private async Task<List<long>> IdsAsync(string gameServerId, string outcome)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT command_id FROM gamelink_outbox WHERE game_server_id = @gs AND outcome = @o ORDER BY command_id", conn);
        cmd.Parameters.AddWithValue("gs", gameServerId);
        cmd.Parameters.AddWithValue("o", outcome);
        var ids = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            ids.Add(r.GetInt64(0));
        }
        return ids;
    }

    /// <summary>
    /// A game server that pulls through whichever replica, applies each command id once (a repeat gets its first
    /// answer) and answers badly: out of order, twice, late, not at all, and sometimes "failed" (mail refused).
    /// </summary>
    private sealed class UnrulyGameServer(string gameServerId, GameLinkService.GameLinkServiceClient[] replicas, Random random)
    {
        private readonly Dictionary<long, CommandAck> _answers = [];
        private readonly List<CommandAck> _unsent = [];
        private readonly Dictionary<string, long> _gold = [];
        private readonly Dictionary<string, HashSet<string>> _mutes = [];
        private readonly SortedSet<long> _failuresNotTold = [];
        private long _highWater;

        public HashSet<long> Applied { get; } = [];
        public int AckedTwice { get; private set; }
        public int AckedLate { get; private set; }
        public int Dropped { get; private set; }
        public int Failures { get; private set; }

        public long Gold(string player) => _gold.GetValueOrDefault(player);

        public bool Muted(string player) => _mutes.TryGetValue(player, out var m) && m.Count > 0;

        public async Task RoundAsync(bool drain)
        {
            var link = replicas[random.Next(replicas.Length)];
            var pulled = await link.PullCommandsAsync(new PullCommandsRequest
            {
                GameServerId = gameServerId,
                MaxCommands = 1 + random.Next(20),
                // Sometimes it says what it has applied (settling those rows), sometimes not. Honestly: "every id up to
                // this one applied", so it stops below a refusal the server has not been told about yet.
                LastAppliedCommandId = random.Next(3) == 0 ? (_failuresNotTold.Count > 0 ? _failuresNotTold.Min - 1 : _highWater) : 0,
            });
            foreach (var command in pulled.Commands)
            {
                if (!_answers.TryGetValue(command.CommandId, out var answer))
                {
                    answer = Apply(command);
                }
                _unsent.Add(answer);
            }
            if (_unsent.Count == 0)
            {
                return;
            }
            var acks = new AckCommandsRequest { GameServerId = gameServerId };
            var keep = new List<CommandAck>();
            foreach (var ack in _unsent.OrderBy(_ => random.Next()))
            {
                var fate = drain ? random.Next(10) : random.Next(100);
                if (!drain && fate < 15)
                {
                    keep.Add(ack); // late: answered in a later round
                    AckedLate++;
                }
                else if (!drain && fate < 25)
                {
                    Dropped++; // lost: the server sends it again after the ack timeout
                }
                else
                {
                    acks.Acks.Add(ack);
                    if (fate % 10 < 2)
                    {
                        acks.Acks.Add(ack); // twice
                        AckedTwice++;
                    }
                }
            }
            _unsent.Clear();
            _unsent.AddRange(keep);
            if (acks.Acks.Count > 0)
            {
                await replicas[random.Next(replicas.Length)].AckCommandsAsync(acks);
                foreach (var told in acks.Acks.Where(x => !x.Success))
                {
                    _failuresNotTold.Remove(told.CommandId);
                }
            }
        }

        private CommandAck Apply(GameCommand command)
        {
            _highWater = Math.Max(_highWater, command.CommandId);
            var refuse = command.BodyCase is GameCommand.BodyOneofCase.MailReward or GameCommand.BodyOneofCase.ClawBack && random.Next(20) == 0;
            var answer = refuse
                ? new CommandAck { CommandId = command.CommandId, Success = false, FailureReason = "inventory full" }
                : new CommandAck { CommandId = command.CommandId, Success = true };
            _answers[command.CommandId] = answer;
            if (refuse)
            {
                Failures++;
                _failuresNotTold.Add(command.CommandId);
                return answer;
            }
            Applied.Add(command.CommandId);
            switch (command.BodyCase)
            {
                case GameCommand.BodyOneofCase.MailReward:
                    _gold[command.MailReward.PlayerId] = Gold(command.MailReward.PlayerId) + command.MailReward.Lines.Where(l => l.ItemId == "gold").Sum(l => l.Count);
                    break;
                case GameCommand.BodyOneofCase.ClawBack:
                    _gold[command.ClawBack.PlayerId] = Gold(command.ClawBack.PlayerId) - command.ClawBack.Lines.Where(l => l.ItemId == "gold").Sum(l => l.Count);
                    break;
                case GameCommand.BodyOneofCase.Mute:
                    (_mutes.TryGetValue(command.Mute.PlayerId, out var m) ? m : _mutes[command.Mute.PlayerId] = []).Add(command.Mute.SanctionId);
                    break;
                case GameCommand.BodyOneofCase.Unmute:
                    if (_mutes.TryGetValue(command.Unmute.PlayerId, out var u))
                    {
                        u.Remove(command.Unmute.SanctionId);
                    }
                    break;
            }
            return answer;
        }
    }
}
