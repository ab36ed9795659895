using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

/// <summary>
/// Every RPC the server exposes, called by a caller that holds the permission but is scoped to another game server
/// (an admin scoped to walk-b; the game server walk-b): reads of walk-a's objects are NOT_FOUND (or list nothing of
/// walk-a), actions are refused, and nothing is written but the compact denial record. An RPC in neither
/// <see cref="Walk"/> nor <see cref="NotWalked"/> fails the test, so a new capability has to join.
/// </summary>
public sealed class ScopeWalkTests(SanctionsFixture fx) : IClassFixture<SanctionsFixture>
{
    private enum As { ScopedAdmin, OtherGameServer }

    private sealed record Case(As Caller, string Json, StatusCode Expected);

    // Placeholders filled from the seeded world: {sanction}, {appeal}, {bulk}.
    private static readonly Dictionary<string, Case> Walk = new(StringComparer.Ordinal)
    {
        ["/gmtools.v1.AuditService/ListAuditRecords"] = new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.OK),
        ["/gmtools.v1.GameServerService/RegisterGameServer"] = new(As.ScopedAdmin, """{"gameServerId":"walk-new","displayName":"x","reason":"r"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.GameServerService/RotateGameServerCredential"] = new(As.ScopedAdmin, """{"gameServerId":"walk-a","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.GameServerService/ListGameServers"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.GameLinkService/PullCommands"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","maxCommands":10}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.GameLinkService/AckCommands"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","acks":[]}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.GameLinkService/ListGameLinks"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.PlayerService/SyncPlayers"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","players":[{"playerId":"p-walk","account":"a","characterName":"x","version":"99"}]}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.PlayerService/GetPlayer"] = new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.NotFound),
        ["/gmtools.v1.PlayerService/SearchPlayers"] = new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.OK),
        ["/gmtools.v1.PlayerService/GetPlayerDossier"] = new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.NotFound),
        ["/gmtools.v1.PlayerService/AddPlayerNote"] = new(As.ScopedAdmin, """{"playerId":"p-walk","kind":"PLAYER_NOTE_KIND_OTHER","text":"x"}""", StatusCode.NotFound),
        ["/gmtools.v1.PlayerService/TransferPlayer"] = new(As.ScopedAdmin, """{"playerId":"p-walk","toGameServerId":"walk-b","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/IssueSanction"] = new(As.ScopedAdmin, """{"playerId":"p-walk","kind":"SANCTION_KIND_KICK","scope":{"gameServerId":"walk-a"},"reasonCode":"cheating","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/LiftSanction"] = new(As.ScopedAdmin, """{"sanctionId":"{sanction}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ChangeSanctionEnd"] = new(As.ScopedAdmin, """{"sanctionId":"{sanction}","end":{"duration":"60s"},"reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ListSanctions"] = new(As.ScopedAdmin, """{"playerId":"p-walk","includeHistory":true}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ProposeSanction"] = new(As.ScopedAdmin, """{"playerId":"p-walk","kind":"SANCTION_KIND_BAN","reasonCode":"cheating"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/CheckAccess"] = new(As.OtherGameServer, """{"playerId":"p-walk","gameServerId":"walk-a"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.SanctionService/FileAppeal"] = new(As.ScopedAdmin, """{"sanctionId":"{sanction}","statement":"x"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/DecideAppeal"] = new(As.ScopedAdmin, """{"appealId":"{appeal}","decision":"APPEAL_STATE_OVERTURNED","note":"x"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/PreviewBulkSanction"] = new(As.ScopedAdmin, """{"playerIds":["p-walk"],"kind":"SANCTION_KIND_BAN","scope":{"gameServerId":"walk-a"},"end":{"duration":"3600s"},"reasonCode":"cheating","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ApproveBulkSanction"] = new(As.ScopedAdmin, """{"previewToken":"{bulk}","note":"x"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ExecuteBulkSanction"] = new(As.ScopedAdmin, """{"previewToken":"{bulk}","content":{"playerIds":["p-walk"],"kind":"SANCTION_KIND_BAN","scope":{"gameServerId":"walk-a"},"end":{"duration":"3600s"},"reasonCode":"cheating","reason":"r"}}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/GetBulkSanction"] = new(As.ScopedAdmin, """{"previewToken":"{bulk}"}""", StatusCode.NotFound),
        ["/gmtools.v1.SanctionService/ListBulkSanctions"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.RewardService/UpsertCatalogueItem"] = new(As.ScopedAdmin, """{"item":{"itemId":"walk.item","name":"x","kind":"ITEM_KIND_ITEM","unitValue":"1","active":true},"reason":"r"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.RewardService/ListGrants"] = new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.OK),
        // ---- anomalies (#19): a game server reports only as itself (its own players: AnomalyIntakeTests); kinds need an unscoped admin.
        ["/gmtools.v1.AnomalyService/ReportAnomaly"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","report":{"reportId":"w-1","playerId":"p-walk","kind":"speed_hack","occurredAt":"2026-11-23T07:59:00Z"}}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.AnomalyService/ReportAnomalies"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","reports":[{"reportId":"w-2","playerId":"p-walk","kind":"speed_hack","occurredAt":"2026-11-23T07:59:00Z"}]}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.AnomalyService/ListAnomalyCases"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.AnomalyService/GetAnomalyStatistics"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.AnomalyService/PutAnomalyKind"] = new(As.ScopedAdmin, """{"kind":{"name":"walk_kind","defaultSeverity":"ANOMALY_SEVERITY_LOW","active":true},"note":"x"}""", StatusCode.PermissionDenied),
    };

    /// <summary>RPCs not called this way, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotWalked = new(StringComparer.Ordinal)
    {
        ["/gmtools.v1.IdentityService/WhoAmI"] = "no object: answers only who the caller is",
        ["/gmtools.v1.DiagnosticsService/Echo"] = "no object: echoes the request",
        ["/gmtools.v1.AnnouncementService/CreateAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/GetAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/ListAnnouncements"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/EditAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/PublishAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/ApproveAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/RejectAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/CancelAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/PreviewAnnouncement"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/ListAnnouncementReceipts"] = "not walked yet: needs a seeded announcement here (scope covered by AnnouncementTests)",
        ["/gmtools.v1.AnnouncementService/ListActiveAnnouncements"] = "game servers only, as themselves (other server refused in AnnouncementTests)",
        ["/gmtools.v1.AuditService/VerifyAuditChain"] = "reveals no content (counts and hashes); verified whole by design (docs/security.md)",
        ["/gmtools.v1.GameLinkService/Connect"] = "bidirectional stream whose identity is the credential itself: a server's hello naming another id is refused by GameLinkPermissionTests",
        ["/gmtools.v1.RewardService/ListCatalogueItems"] = "the catalogue is global and readable by every reader (docs/security.md, the catalogue)",
        ["/gmtools.v1.RewardService/CreateGrant"] = "not walked yet: needs a catalogue item and grant limits seeded here (scope covered by GrantTests)",
        ["/gmtools.v1.RewardService/GetGrant"] = "not walked yet: needs a seeded grant (scope covered by GrantTests)",
        ["/gmtools.v1.RewardService/ApproveGrant"] = "not walked yet: needs a seeded grant",
        ["/gmtools.v1.RewardService/RejectGrant"] = "not walked yet: needs a seeded grant",
        ["/gmtools.v1.RewardService/RevokeGrant"] = "not walked yet: needs a seeded grant",
        ["/gmtools.v1.RewardService/CreateCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/AppendCampaignPlayers"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/SubmitCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/PreviewCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/ApproveCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/RejectCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/CancelCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/GetCampaign"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/ListCampaigns"] = "not walked yet: needs a seeded campaign",
        ["/gmtools.v1.RewardService/WatchCampaign"] = "not walked yet: server stream over a seeded campaign",
        ["/gmtools.v1.ChatWatchService/IngestChat"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/WatchChat"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ListRecentChat"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/GetChatRules"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ListChatRuleVersions"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ImportChatRules"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/EditChatTerm"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/RollBackChatRules"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/DryRunChatRules"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ListHotChatOffenders"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ListChatReviews"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ClaimChatReview"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/ConfirmChatReview"] = "not walked yet: ChatWatch (#18) landed during this session",
        ["/gmtools.v1.ChatWatchService/DismissChatReview"] = "not walked yet: ChatWatch (#18) landed during this session",
        // ---- anomalies (#19)
        ["/gmtools.v1.AnomalyService/GetAnomalyCase"] = "not walked yet: needs a seeded anomaly case here (scope covered by AnomalyCaseTests: NOT_FOUND, nothing written)",
        ["/gmtools.v1.AnomalyService/ClaimAnomalyCase"] = "not walked yet: needs a seeded anomaly case here (scope covered by AnomalyCaseTests: NOT_FOUND, nothing written)",
        ["/gmtools.v1.AnomalyService/AddAnomalyCaseNote"] = "not walked yet: needs a seeded anomaly case here (scope covered by AnomalyCaseTests)",
        ["/gmtools.v1.AnomalyService/ConfirmAnomalyCase"] = "not walked yet: needs a seeded anomaly case here (scope covered by AnomalyCaseTests)",
        ["/gmtools.v1.AnomalyService/DismissAnomalyCase"] = "not walked yet: needs a seeded anomaly case here (scope covered by AnomalyCaseTests: NOT_FOUND, nothing written)",
        ["/gmtools.v1.AnomalyService/GetAnomalyKind"] = "the anomaly kinds are a global catalogue (no game server), readable by every reader",
        ["/gmtools.v1.AnomalyService/ListAnomalyKinds"] = "the anomaly kinds are a global catalogue (no game server), readable by every reader",
    };

    /// <summary>Every method of every service in the generated contracts, by its wire name.</summary>
    private static Dictionary<string, MethodDescriptor> Described() =>
        typeof(WhoAmIRequest).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal) && t.GetProperty("Descriptor")?.GetValue(null) is FileDescriptor)
            .SelectMany(t => ((FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!).Services)
            .SelectMany(s => s.Methods)
            .ToDictionary(m => $"/{m.Service.FullName}/{m.Name}", StringComparer.Ordinal);

    private List<string> Exposed() =>
        fx.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
            .Where(g => g is not null && !AccessInterceptor.IsOpenService(g.Method.ServiceName))
            .Select(g => g!.Method.FullName).Distinct().Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Every_exposed_rpc_is_walked_or_listed_with_a_reason()
    {
        var exposed = Exposed();
        var described = Described();
        Assert.Contains("/gmtools.v1.SanctionService/GetBulkSanction", exposed);
        var missing = exposed.Where(m => !Walk.ContainsKey(m) && !NotWalked.ContainsKey(m)).ToList();
        Assert.True(missing.Count == 0, "RPCs neither walked nor listed with a reason: " + string.Join(", ", missing));
        Assert.DoesNotContain(exposed, m => !described.ContainsKey(m));
        var stale = Walk.Keys.Concat(NotWalked.Keys).Where(m => !exposed.Contains(m)).ToList();
        Assert.True(stale.Count == 0, "listed but not exposed: " + string.Join(", ", stale));
        Assert.Empty(Walk.Keys.Intersect(NotWalked.Keys));
    }

    [Fact]
    public async Task A_caller_scoped_to_another_server_is_refused_everywhere_and_nothing_is_written()
    {
        await fx.GameServerAsync("walk-a");
        var otherServer = fx.Server.Channel(await fx.GameServerCredentialAsync("walk-b"));
        await fx.AddPlayerAsync("p-walk", "walk-a");
        for (var i = 0; i < SanctionsFixture.GuardRail + 1; i++)
        {
            await fx.AddPlayerAsync($"p-walk-{i}", "walk-a");
        }
        var gm = fx.Staff("gm-walk");
        var sanction = (await gm.IssueSanctionAsync(Ban("p-walk", OnServer("walk-a")))).Sanction.SanctionId;
        var appeal = (await fx.Staff("agent-walk", Role.Agent).FileAppealAsync(new FileAppealRequest { SanctionId = sanction, Statement = "x" })).Appeal.AppealId;
        var bulk = (await gm.PreviewBulkSanctionAsync(new PreviewBulkSanctionRequest
        {
            PlayerIds = { Enumerable.Range(0, SanctionsFixture.GuardRail + 1).Select(i => $"p-walk-{i}") },
            Kind = SanctionKind.Mute, Scope = OnServer("walk-a"), End = For(TimeSpan.FromHours(1)), ReasonCode = "chat_abuse", Reason = "r",
        })).PreviewToken;
        var scopedAdmin = fx.Server.Channel(fx.Server.ScopedStaffToken("adm-walk-b", ["walk-b"], Role.Admin));

        var described = Described();
        var failures = new List<string>();
        foreach (var (name, c) in Walk.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var method = described[name];
            var json = c.Json.Replace("{sanction}", sanction.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{appeal}", appeal.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{bulk}", bulk, StringComparison.Ordinal);
            var request = JsonParser.Default.Parse(json, method.InputType);
            var before = await FingerprintAsync();
            var (status, response) = await CallAsync(c.Caller == As.ScopedAdmin ? scopedAdmin : otherServer, method, request);
            if (status != c.Expected)
            {
                failures.Add($"{name}: {status}, expected {c.Expected}");
            }
            if (response is not null && (JsonFormatter.Default.Format(response).Contains("walk-a", StringComparison.Ordinal) || JsonFormatter.Default.Format(response).Contains("p-walk", StringComparison.Ordinal)))
            {
                failures.Add($"{name}: the answer shows walk-a's objects: {JsonFormatter.Default.Format(response)}");
            }
            if (await FingerprintAsync() != before)
            {
                failures.Add($"{name}: something was written");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static async Task<(StatusCode, IMessage?)> CallAsync(Grpc.Net.Client.GrpcChannel channel, MethodDescriptor method, IMessage request)
    {
        var grpcMethod = new Method<IMessage, IMessage>(
            method.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));
        try
        {
            var response = await channel.CreateCallInvoker().AsyncUnaryCall(grpcMethod, null, new CallOptions(), request);
            return (StatusCode.OK, response);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, null);
        }
    }

    /// <summary>A hash of every row of every table a refused call might write, refusal records and job tables aside.</summary>
    private async Task<string> FingerprintAsync()
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT tablename FROM pg_tables WHERE schemaname = 'public'
              AND tablename NOT LIKE 'qrtz%' AND tablename NOT IN ('access_denials', '__EFMigrationsHistory', 'audit_chain_head', 'audit_checkpoints')
            ORDER BY tablename
            """, conn))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var parts = new List<string>();
        foreach (var table in tables)
        {
            var filter = table == "audit_records" ? " WHERE t.outcome <> 'denied'" : "";
            var columns = table == "audit_records" ? "(t.id, t.action, t.actor, t.target_id)" : "t";
            await using var cmd = new NpgsqlCommand($"SELECT '{table}:' || count(*) || ':' || coalesce(md5(string_agg({columns}::text, ',' ORDER BY {columns}::text)), '') FROM \"{table}\" t{filter}", conn);
            parts.Add((string)(await cmd.ExecuteScalarAsync())!);
        }
        return string.Join("|", parts);
    }
}
