using GmTools.Contracts.V1;
using GmTools.Server.Cases;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

public sealed class CaseFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Cases:ReopenPeriod"] = "7.00:00:00",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var gs in new[] { "c1", "c2" })
        {
            await GameServerCredentialAsync(gs);
        }
        await this.AddPlayerAsync("p-c1", "c1");
        await this.AddPlayerAsync("p-c2", "c2");
    }
}

internal static class CaseKit
{
    public static CaseService.CaseServiceClient Cases(this ServerFixture fx, string user, Role role = Role.Agent) => new(fx.StaffChannel(user, role));

    public static CaseRecord FullRecord(DateTimeOffset now) => new()
    {
        Account = "acc-1",
        GameServerId = "c1",
        CharacterName = "小明",
        EventTime = Timestamp.FromDateTimeOffset(now.AddHours(-2)),
        Contact = "qq:12345",
        ItemName = "屠龙刀",
        Location = "龙城",
        PaymentChannel = "alipay",
        OrderReference = "ALI-2026-0001",
        Amount = 64800,
        Currency = "CNY",
        PaymentTime = Timestamp.FromDateTimeOffset(now.AddHours(-3)),
        GameArea = "dungeon",
        ClientVersion = "1.4.2",
    };

    public static OpenCaseRequest Open(string player, string kind, DateTimeOffset now, string? key = null) => new()
    {
        PlayerId = player,
        Kind = kind,
        Channel = CaseChannel.Phone,
        Summary = "recharge did not arrive",
        Description = "paid 648 yuan, no diamonds",
        Record = FullRecord(now),
        IdempotencyKey = key ?? Guid.NewGuid().ToString(),
    };

    public static async Task<List<string>> ListAsync(this ServerFixture fx, string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new Npgsql.NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}

public sealed class CaseTests(CaseFixture fx) : IClassFixture<CaseFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private Task<long> CasesCountAsync() => fx.ScalarAsync("SELECT count(*) FROM player_cases");

    public static TheoryData<string, string[]> KindsAndTheirFields => new()
    {
        { "complaint", [] },
        { "bug", ["game_area", "client_version"] },
        { "recharge", ["payment_channel", "order_reference", "amount", "currency", "payment_time"] },
        { "account", [] },
        { "lost_item", ["item_name", "location"] },
        { "other", [] },
    };

    private static readonly string[] Common = ["account", "game_server_id", "character_name", "event_time", "contact"];

    [Theory]
    [MemberData(nameof(KindsAndTheirFields))]
    public async Task Each_kind_refuses_its_missing_required_fields_by_name_and_opens_with_them(string kind, string[] own)
    {
        var agent = fx.Cases("amy");
        var kinds = (await agent.ListCaseKindsAsync(new ListCaseKindsRequest())).Kinds;
        Assert.Equal([.. Common, .. own], kinds.Single(k => k.Name == kind).RequiredFields);

        var before = await CasesCountAsync();
        var empty = CaseKit.Open("p-c1", kind, Now).With(r => r.Record = new CaseRecord());
        var ex = await RefusedAsync(() => agent.OpenCaseAsync(empty).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal([.. Common.Concat(own).Select(f => "record." + f)], ex.Fields());

        // Each required field alone missing is named alone.
        foreach (var field in Common.Concat(own))
        {
            var record = CaseKit.FullRecord(Now);
            var descriptor = CaseRecord.Descriptor.FindFieldByName(field);
            descriptor.Accessor.Clear(record);
            var missingOne = await RefusedAsync(() => agent.OpenCaseAsync(CaseKit.Open("p-c1", kind, Now).With(r => r.Record = record)).ResponseAsync, StatusCode.InvalidArgument);
            Assert.Equal(["record." + field], missingOne.Fields());
        }
        Assert.Equal(before, await CasesCountAsync());

        var opened = (await agent.OpenCaseAsync(CaseKit.Open("p-c1", kind, Now))).Case;
        Assert.Equal((kind, CaseState.New, "c1", "amy"), (opened.Kind, opened.State, opened.GameServerId, opened.OpenedBy));
        Assert.Equal(before + 1, await CasesCountAsync());
    }

    [Fact]
    public async Task Bad_records_are_refused_by_name_and_nothing_is_written()
    {
        var agent = fx.Cases("amy");
        var before = (await CasesCountAsync(), await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action LIKE 'case.%'"));
        var future = CaseKit.Open("p-c1", "recharge", Now).With(r =>
        {
            r.Record.EventTime = Timestamp.FromDateTimeOffset(Now.AddMinutes(5));
            r.Record.Amount = -1;
            r.Record.Currency = "yuan";
        });
        var ex = await RefusedAsync(() => agent.OpenCaseAsync(future).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Contains("record.event_time", ex.Fields());
        Assert.Contains("record.amount", ex.Fields());
        Assert.Contains("record.currency", ex.Fields());
        var absurd = CaseKit.Open("p-c1", "recharge", Now).With(r => r.Record.Amount = long.MaxValue);
        Assert.Equal(["record.amount"], (await RefusedAsync(() => agent.OpenCaseAsync(absurd).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        var farFuture = CaseKit.Open("p-c1", "recharge", Now).With(r => r.Record.PaymentTime = new Timestamp { Seconds = 253402300799 + 10 });
        Assert.Equal(["record.payment_time"], (await RefusedAsync(() => agent.OpenCaseAsync(farFuture).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        var unknownKind = CaseKit.Open("p-c1", "refund", Now);
        Assert.Equal(["kind"], (await RefusedAsync(() => agent.OpenCaseAsync(unknownKind).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        await RefusedAsync(() => agent.OpenCaseAsync(CaseKit.Open("p-nobody", "complaint", Now)).ResponseAsync, StatusCode.NotFound);
        Assert.Equal(before, (await CasesCountAsync(), await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action LIKE 'case.%'")));
    }

    [Fact]
    public async Task A_game_server_opens_a_case_for_its_own_player_only_and_a_retry_replays()
    {
        var c1 = new CaseService.CaseServiceClient(fx.Server.Channel(await fx.GameServerCredentialAsync("c1")));
        var request = CaseKit.Open("p-c1", "lost_item", Now, key: "gs-key-1").With(r => r.Channel = CaseChannel.Unspecified);
        var first = (await c1.OpenCaseAsync(request)).Case;
        Assert.Equal((CaseChannel.InGame, "c1"), (first.Channel, first.OpenedBy));
        var again = (await c1.OpenCaseAsync(request)).Case;
        Assert.Equal(first.CaseId, again.CaseId);
        await RefusedAsync(() => c1.OpenCaseAsync(request.With(r => r.Summary = "other content")).ResponseAsync, StatusCode.AlreadyExists);

        var before = await CasesCountAsync();
        await RefusedAsync(() => c1.OpenCaseAsync(CaseKit.Open("p-c2", "lost_item", Now)).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => c1.OpenCaseAsync(CaseKit.Open("p-c1", "lost_item", Now)).ResponseAsync, StatusCode.InvalidArgument); // phone: not in game
        await RefusedAsync(() => c1.GetCaseAsync(new GetCaseRequest { CaseId = first.CaseId }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(before, await CasesCountAsync());
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.open' AND target_id = @id", ("id", first.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task The_state_machine_allows_its_moves_refuses_the_others_and_reopens_only_within_the_period()
    {
        var agent = fx.Cases("amy");
        var id = (await agent.OpenCaseAsync(CaseKit.Open("p-c1", "complaint", Now))).Case.CaseId;
        async Task<GmTools.Contracts.V1.PlayerCase> Move(CaseState to, string note = "") =>
            (await fx.Cases("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = to, Note = note })).Case; // a fresh token: the clock moves by days
        async Task Refused(CaseState to, string note = "x") =>
            await RefusedAsync(() => fx.Cases("amy").ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = to, Note = note }).ResponseAsync, StatusCode.FailedPrecondition);

        await Refused(CaseState.Resolved);
        await Refused(CaseState.Closed);
        await Refused(CaseState.WaitingForPlayer);
        await Refused(CaseState.New);
        fx.Clock.Advance(TimeSpan.FromHours(1));
        var working = await Move(CaseState.InProgress);
        Assert.Equal(Now, working.FirstResponseAt.ToDateTimeOffset());
        await Refused(CaseState.Closed);
        await Refused(CaseState.InProgress);
        await Move(CaseState.WaitingForPlayer, "asked for a screenshot");
        await Move(CaseState.InProgress);
        var noNote = await RefusedAsync(() => agent.ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.Resolved }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["note"], noNote.Fields());
        var resolved = await Move(CaseState.Resolved, "compensated");
        Assert.Equal(Now, resolved.ResolvedAt.ToDateTimeOffset());
        await Refused(CaseState.WaitingForPlayer);
        await Move(CaseState.Closed);
        fx.Clock.Advance(TimeSpan.FromDays(6));
        var reopened = await Move(CaseState.InProgress, "player wrote back: still broken");
        Assert.Equal((1, CaseState.InProgress), (reopened.ReopenCount, reopened.State));
        Assert.Null(reopened.ResolvedAt);
        await Move(CaseState.Resolved, "fixed for real");
        fx.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await Refused(CaseState.InProgress);

        var got = await fx.Cases("amy").GetCaseAsync(new GetCaseRequest { CaseId = id });
        Assert.Equal(["asked for a screenshot", "compensated", "player wrote back: still broken", "fixed for real"], got.Notes.Select(n => n.Text));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.reopen' AND target_id = @id", ("id", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Notes_claims_and_assignments_are_recorded_and_audited()
    {
        var amy = fx.Cases("amy");
        var bob = fx.Cases("bob");
        var id = (await amy.OpenCaseAsync(CaseKit.Open("p-c1", "bug", Now))).Case.CaseId;
        var noted = await amy.AddCaseNoteAsync(new AddCaseNoteRequest { CaseId = id, Text = "reproduced", AttachmentRefs = { "files/shot-1.png" }, IdempotencyKey = "n1" });
        Assert.Equal(["files/shot-1.png"], noted.Note.AttachmentRefs);
        Assert.NotNull(noted.Case.FirstResponseAt);
        var replay = await amy.AddCaseNoteAsync(new AddCaseNoteRequest { CaseId = id, Text = "reproduced", AttachmentRefs = { "files/shot-1.png" }, IdempotencyKey = "n1" });
        Assert.Equal(noted.Note.NoteId, replay.Note.NoteId);
        var tooMany = await RefusedAsync(() => amy.AddCaseNoteAsync(new AddCaseNoteRequest { CaseId = id, Text = "x", AttachmentRefs = { Enumerable.Range(0, 11).Select(i => $"f{i}") } }).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal(["attachment_refs"], tooMany.Fields());

        Assert.Equal("amy", (await amy.AssignCaseAsync(new AssignCaseRequest { CaseId = id })).Case.Assignee);
        await RefusedAsync(() => bob.AssignCaseAsync(new AssignCaseRequest { CaseId = id }).ResponseAsync, StatusCode.FailedPrecondition);
        await RefusedAsync(() => bob.AssignCaseAsync(new AssignCaseRequest { CaseId = id, Assignee = "bob" + "2" }).ResponseAsync, StatusCode.PermissionDenied);
        var supervisor = fx.Cases("sue", Role.Supervisor);
        Assert.Equal("bob", (await supervisor.AssignCaseAsync(new AssignCaseRequest { CaseId = id, Assignee = "bob", Reason = "amy is off" })).Case.Assignee);
        var mine = await bob.ListCasesAsync(new ListCasesRequest { Assignee = "bob" });
        Assert.Equal([id], mine.Cases.Select(c => c.CaseId));
        var idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["case.open", "case.note", "case.claim", "case.assign"],
            await fx.ListAsync("SELECT action FROM audit_records WHERE target_type = 'case' AND target_id = @id ORDER BY id", ("id", idText)));
    }

    [Fact]
    public async Task Staff_scoped_to_another_server_see_nothing_and_change_nothing()
    {
        var id = (await fx.Cases("amy").OpenCaseAsync(CaseKit.Open("p-c1", "complaint", Now))).Case.CaseId;
        var scoped = new CaseService.CaseServiceClient(fx.Server.Channel(fx.Server.ScopedStaffToken("sc", ["c2"], Role.Supervisor)));
        await RefusedAsync(() => scoped.GetCaseAsync(new GetCaseRequest { CaseId = id }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.AddCaseNoteAsync(new AddCaseNoteRequest { CaseId = id, Text = "x" }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.ChangeCaseStateAsync(new ChangeCaseStateRequest { CaseId = id, State = CaseState.InProgress }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.AssignCaseAsync(new AssignCaseRequest { CaseId = id }).ResponseAsync, StatusCode.NotFound);
        await RefusedAsync(() => scoped.OpenCaseAsync(CaseKit.Open("p-c1", "complaint", Now)).ResponseAsync, StatusCode.NotFound);
        Assert.DoesNotContain((await scoped.ListCasesAsync(new ListCasesRequest { PageSize = 200 })).Cases, c => c.GameServerId == "c1");
        var got = (await fx.Cases("amy").GetCaseAsync(new GetCaseRequest { CaseId = id })).Case;
        Assert.Equal((CaseState.New, "", 0), (got.State, got.Assignee, got.ReopenCount));
    }

    [Fact]
    public async Task The_list_filters_and_pages_and_hides_contact_which_get_shows_audited()
    {
        var agent = fx.Cases("amy");
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await agent.OpenCaseAsync(CaseKit.Open("p-c2", i % 2 == 0 ? "account" : "other", Now))).Case.CaseId);
        }
        var page1 = await agent.ListCasesAsync(new ListCasesRequest { PlayerId = "p-c2", Kind = "account", PageSize = 2 });
        Assert.Equal([ids[4], ids[2]], page1.Cases.Select(c => c.CaseId));
        Assert.All(page1.Cases, c => Assert.Equal("", c.Record.Contact));
        var page2 = await agent.ListCasesAsync(new ListCasesRequest { PlayerId = "p-c2", Kind = "account", PageSize = 2, PageToken = page1.NextPageToken });
        Assert.Equal([ids[0]], page2.Cases.Select(c => c.CaseId));
        Assert.Equal("", page2.NextPageToken);
        await RefusedAsync(() => agent.ListCasesAsync(new ListCasesRequest { PageToken = "garbage!" }).ResponseAsync, StatusCode.InvalidArgument);

        var reads = await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.read_contact'");
        Assert.Equal("qq:12345", (await agent.GetCaseAsync(new GetCaseRequest { CaseId = ids[0] })).Case.Record.Contact);
        Assert.Equal(reads + 1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.read_contact'"));
        Assert.Equal("", (await fx.Cases("vic", Role.Viewer).GetCaseAsync(new GetCaseRequest { CaseId = ids[0] })).Case.Record.Contact);
        Assert.Equal(reads + 1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.read_contact'"));
    }
}

public sealed class CaseRulesTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(CaseStates.New, CaseStates.InProgress, true)]
    [InlineData(CaseStates.New, CaseStates.Resolved, false)]
    [InlineData(CaseStates.InProgress, CaseStates.WaitingForPlayer, true)]
    [InlineData(CaseStates.InProgress, CaseStates.Resolved, true)]
    [InlineData(CaseStates.InProgress, CaseStates.Closed, false)]
    [InlineData(CaseStates.WaitingForPlayer, CaseStates.InProgress, true)]
    [InlineData(CaseStates.WaitingForPlayer, CaseStates.Resolved, true)]
    [InlineData(CaseStates.WaitingForPlayer, CaseStates.New, false)]
    [InlineData(CaseStates.Resolved, CaseStates.Closed, true)]
    [InlineData(CaseStates.Resolved, CaseStates.InProgress, true)]
    [InlineData(CaseStates.Closed, CaseStates.InProgress, true)]
    [InlineData(CaseStates.Closed, CaseStates.Resolved, false)]
    public void Moves(string from, string to, bool allowed) =>
        Assert.Equal(allowed, CaseRules.Refusal(from, to, T, T.AddDays(1), TimeSpan.FromDays(7)) is null);

    [Fact]
    public void A_reopen_after_the_period_is_refused() =>
        Assert.NotNull(CaseRules.Refusal(CaseStates.Closed, CaseStates.InProgress, T, T.AddDays(8), TimeSpan.FromDays(7)));
}
