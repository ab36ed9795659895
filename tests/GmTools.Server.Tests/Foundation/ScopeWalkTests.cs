using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Anomalies;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
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
public sealed class ScopeWalkTests(ScopeWalkFixture fx) : IClassFixture<ScopeWalkFixture>
{
    private enum As { ScopedAdmin, OtherGameServer }

    /// <param name="Answer">Optional check of an OK answer: null when it is right, else what is wrong with it.</param>
    private sealed record Case(As Caller, string Json, StatusCode Expected, Func<IMessage, string?>? Answer = null);

    // Placeholders ({name}) are filled from the seeded world (SeedWorldAsync): {sanction}, {appeal}, {bulk}, {grant},
    // {draft}, {campaign}, {list}, {review}, {rules}, {anomaly-case}, {announcement}, {announcement-draft}, {announcement-pending}, {later}, {later-end}.
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
        ["/gmtools.v1.RewardService/ListGrants"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        // ---- rewards: grants and campaigns (authz)
        ["/gmtools.v1.RewardService/CreateGrant"] = new(As.ScopedAdmin, """{"idempotencyKey":"walk-1","lines":[{"itemId":"walk.gold","count":"1"}],"playerIds":["p-walk"],"reason":"r","mailTitle":"t"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/GetGrant"] = new(As.ScopedAdmin, """{"grantId":"{grant}"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/ApproveGrant"] = new(As.ScopedAdmin, """{"grantId":"{grant}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/RejectGrant"] = new(As.ScopedAdmin, """{"grantId":"{grant}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/RevokeGrant"] = new(As.ScopedAdmin, """{"grantId":"{grant}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/CreateCampaign"] = new(As.ScopedAdmin, """{"lines":[{"itemId":"walk.gold","count":"1"}],"reason":"r","mailTitle":"t","gameServers":{"gameServerIds":["walk-a"]},"idempotencyKey":"walk-2"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/AppendCampaignPlayers"] = new(As.ScopedAdmin, """{"campaignId":"{list}","playerIds":["p-walk"]}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/SubmitCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{draft}"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/PreviewCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/ApproveCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/RejectCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/CancelCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}","reason":"r","clawBackDelivered":true}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/GetCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}"}""", StatusCode.NotFound),
        ["/gmtools.v1.RewardService/ListCampaigns"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.RewardService/WatchCampaign"] = new(As.ScopedAdmin, """{"campaignId":"{campaign}"}""", StatusCode.NotFound),
        // ---- chat watch (authz)
        ["/gmtools.v1.ChatWatchService/IngestChat"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","batchId":"1","lines":[{"lineId":"walk-b-1","channel":"CHAT_CHANNEL_WORLD","senderPlayerId":"p-walk","text":"5Ye65ZSu6YeR5biBIOmAn+adpQ==","sentAt":"2026-11-23T08:00:00Z"}]}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.ChatWatchService/WatchChat"] = new(As.ScopedAdmin, """{"gameServerId":"walk-a"}""", StatusCode.NotFound),
        ["/gmtools.v1.ChatWatchService/ListRecentChat"] = new(As.ScopedAdmin, """{"gameServerId":"walk-a","channel":"CHAT_CHANNEL_WORLD"}""", StatusCode.NotFound),
        ["/gmtools.v1.ChatWatchService/ListHotChatOffenders"] = new(As.ScopedAdmin, """{"gameServerId":"walk-a"}""", StatusCode.NotFound),
        ["/gmtools.v1.ChatWatchService/ListChatReviews"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.ChatWatchService/ClaimChatReview"] = new(As.ScopedAdmin, """{"reviewId":"{review}"}""", StatusCode.NotFound),
        ["/gmtools.v1.ChatWatchService/ConfirmChatReview"] = new(As.ScopedAdmin, """{"reviewId":"{review}","sanctionKind":"mute","reasonCode":"gold_selling","reason":"r","idempotencyKey":"walk-3"}""", StatusCode.NotFound),
        ["/gmtools.v1.ChatWatchService/DismissChatReview"] = new(As.ScopedAdmin, """{"reviewId":"{review}","note":"x","idempotencyKey":"walk-4"}""", StatusCode.NotFound),
        // The rule set is one document for every server: reading and dry runs are open to any holder of the
        // permission (they show nothing of a server), changing it needs an admin whose scope covers every server.
        ["/gmtools.v1.ChatWatchService/GetChatRules"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.ChatWatchService/ListChatRuleVersions"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.ChatWatchService/DryRunChatRules"] = new(As.ScopedAdmin, """{"lines":["hello"]}""", StatusCode.OK),
        ["/gmtools.v1.ChatWatchService/ImportChatRules"] = new(As.ScopedAdmin, """{"rules":{},"note":"x","idempotencyKey":"walk-5"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.ChatWatchService/EditChatTerm"] = new(As.ScopedAdmin, """{"term":{"text":"walkterm","category":"ads"},"note":"x"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.ChatWatchService/RollBackChatRules"] = new(As.ScopedAdmin, """{"toVersion":"{rules}","note":"x"}""", StatusCode.PermissionDenied),
        // ---- announcements (authz). Targets outside the scope are answered like unknown servers: INVALID_ARGUMENT
        // naming spec.targets.game_server_ids[i] (AnnouncementDesk), never revealing that the server exists.
        ["/gmtools.v1.AnnouncementService/CreateAnnouncement"] = new(As.ScopedAdmin, """{"spec":{"texts":[{"locale":"en","text":"x"}],"display":"ANNOUNCEMENT_DISPLAY_MARQUEE","targets":{"gameServerIds":["walk-a"]},"start":"{later}","end":"{later-end}"},"publish":true,"reason":"r","idempotencyKey":"walk-6"}""", StatusCode.InvalidArgument),
        ["/gmtools.v1.AnnouncementService/PreviewAnnouncement"] = new(As.ScopedAdmin, """{"spec":{"texts":[{"locale":"en","text":"x"}],"display":"ANNOUNCEMENT_DISPLAY_MARQUEE","targets":{"gameServerIds":["walk-a"]},"start":"{later}","end":"{later-end}"}}""", StatusCode.InvalidArgument),
        ["/gmtools.v1.AnnouncementService/GetAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement}"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/ListAnnouncements"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.AnnouncementService/EditAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement-draft}","spec":{"texts":[{"locale":"en","text":"x"}],"display":"ANNOUNCEMENT_DISPLAY_MARQUEE","targets":{"gameServerIds":["walk-b"]},"start":"{later}","end":"{later-end}"},"reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/PublishAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement-draft}","reason":"r","idempotencyKey":"walk-7"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/ApproveAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement-pending}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/RejectAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement-pending}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/CancelAnnouncement"] = new(As.ScopedAdmin, """{"announcementId":"{announcement}","reason":"r","idempotencyKey":"walk-8"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/ListAnnouncementReceipts"] = new(As.ScopedAdmin, """{"announcementId":"{announcement}"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnnouncementService/ListActiveAnnouncements"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","locale":"en"}""", StatusCode.PermissionDenied),
        // ---- cases (#17): {case} is a case of p-walk on walk-a, seeded in the cases block below.
        ["/gmtools.v1.CaseService/OpenCase"] = new(As.ScopedAdmin, """{"playerId":"p-walk","kind":"complaint","channel":"CASE_CHANNEL_PHONE","summary":"s","record":{"account":"a","gameServerId":"walk-a","characterName":"x","eventTime":"2026-01-01T00:00:00Z","contact":"c"}}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/GetCase"] = new(As.ScopedAdmin, """{"caseId":"{case}"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/ListCases"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.CaseService/AddCaseNote"] = new(As.ScopedAdmin, """{"caseId":"{case}","text":"x"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/ChangeCaseState"] = new(As.ScopedAdmin, """{"caseId":"{case}","state":"CASE_STATE_IN_PROGRESS"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/AssignCase"] = new(As.ScopedAdmin, """{"caseId":"{case}"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/EscalateCase"] = new(As.ScopedAdmin, """{"caseId":"{case}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/RequestRechargeAdjustment"] = new(As.ScopedAdmin, """{"caseId":"{case}","paymentReference":"w-ref","amount":"100","currency":"CNY","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/ListRechargeAdjustments"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.CaseService/TallyBugReports"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.CaseService/ExportBugReports"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.CaseService/GetCaseReport"] = new(As.ScopedAdmin, """{"from":"2020-01-01T00:00:00Z","to":"2020-12-31T00:00:00Z","groupBy":"CASE_REPORT_GROUPING_KIND"}""", StatusCode.OK),
        ["/gmtools.v1.CaseService/MarkDuplicateBug"] = new(As.ScopedAdmin, """{"caseId":"{case}","masterCaseId":"{case}0"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/RecordCaseSatisfaction"] = new(As.ScopedAdmin, """{"caseId":"{case}","rating":3}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/LinkCase"] = new(As.ScopedAdmin, """{"caseId":"{case}","kind":"CASE_LINK_KIND_SANCTION","objectId":"{sanction}"}""", StatusCode.NotFound),
        // {adjustment}: a recharge adjustment of p-walk above the approval threshold, pending a supervisor (cases block).
        ["/gmtools.v1.CaseService/ApproveRechargeAdjustment"] = new(As.ScopedAdmin, """{"adjustmentId":"{adjustment}","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.CaseService/RejectRechargeAdjustment"] = new(As.ScopedAdmin, """{"adjustmentId":"{adjustment}","reason":"r"}""", StatusCode.NotFound),
        // ---- anomalies (#19): a game server reports only as itself (its own players: AnomalyIntakeTests); kinds need an unscoped admin.
        ["/gmtools.v1.AnomalyService/ReportAnomaly"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","report":{"reportId":"w-1","playerId":"p-walk","kind":"speed_hack","occurredAt":"2026-11-23T07:59:00Z"}}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.AnomalyService/ReportAnomalies"] = new(As.OtherGameServer, """{"gameServerId":"walk-a","reports":[{"reportId":"w-2","playerId":"p-walk","kind":"speed_hack","occurredAt":"2026-11-23T07:59:00Z"}]}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.AnomalyService/ListAnomalyCases"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.AnomalyService/GetAnomalyStatistics"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        // {anomaly-case}: an open case of p-walk on walk-a, opened by walk-a's own report (anomaly block below).
        ["/gmtools.v1.AnomalyService/GetAnomalyCase"] = new(As.ScopedAdmin, """{"caseId":"{anomaly-case}"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnomalyService/ClaimAnomalyCase"] = new(As.ScopedAdmin, """{"caseId":"{anomaly-case}","idempotencyKey":"walk-ac-1"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnomalyService/AddAnomalyCaseNote"] = new(As.ScopedAdmin, """{"caseId":"{anomaly-case}","text":"x","idempotencyKey":"walk-ac-2"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnomalyService/ConfirmAnomalyCase"] = new(As.ScopedAdmin, """{"caseId":"{anomaly-case}","note":"x","sanction":{"kind":"SANCTION_KIND_BAN"},"idempotencyKey":"walk-ac-3"}""", StatusCode.NotFound),
        ["/gmtools.v1.AnomalyService/DismissAnomalyCase"] = new(As.ScopedAdmin, """{"caseId":"{anomaly-case}","reason":"x","idempotencyKey":"walk-ac-4"}""", StatusCode.NotFound),
        // ---- vip care (#16): {visit} is a welcome visit of p-walk (a gold VIP on walk-a), seeded in the vip block below.
        // Tiers and rules are one set for every server: changing them needs an unscoped admin.
        ["/gmtools.v1.VipCareService/PutVipTiers"] = new(As.ScopedAdmin, """{"tiers":[{"name":"silver","minRecharge":"10"}],"expectedVersion":"1","note":"x"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.VipCareService/PutVisitRule"] = new(As.ScopedAdmin, """{"reason":"VISIT_REASON_WELCOME","dueWithin":"3600s","active":true,"note":"x"}""", StatusCode.PermissionDenied),
        ["/gmtools.v1.VipCareService/ListMyVisits"] = new(As.ScopedAdmin, """{"includeUnassigned":true}""", StatusCode.OK),
        ["/gmtools.v1.VipCareService/ClaimVisit"] = new(As.ScopedAdmin, """{"visitId":"{visit}"}""", StatusCode.NotFound),
        ["/gmtools.v1.VipCareService/RecordVisitOutcome"] = new(As.ScopedAdmin, """{"visitId":"{visit}","outcome":"VISIT_OUTCOME_NOT_REACHED"}""", StatusCode.NotFound),
        ["/gmtools.v1.VipCareService/ListVisits"] = new(As.ScopedAdmin, "{}", StatusCode.OK),
        ["/gmtools.v1.VipCareService/ReassignVisit"] = new(As.ScopedAdmin, """{"visitId":"{visit}","assignee":"x","reason":"r"}""", StatusCode.NotFound),
        ["/gmtools.v1.VipCareService/GetVisitReport"] = new(As.ScopedAdmin, """{"groupBy":"VISIT_REPORT_GROUPING_TIER","from":"2026-01-01T00:00:00Z","to":"2026-12-01T00:00:00Z"}""", StatusCode.OK,
            a => a is GetVisitReportResponse { Rows.Count: 0 } ? null : "walk-a's visits were counted"),
        ["/gmtools.v1.VipCareService/GetReachRates"] = new(As.ScopedAdmin, """{"from":"2026-01-01T00:00:00Z","to":"2026-12-01T00:00:00Z"}""", StatusCode.OK),
        ["/gmtools.v1.AnomalyService/PutAnomalyKind"] = new(As.ScopedAdmin, """{"kind":{"name":"walk_kind","defaultSeverity":"ANOMALY_SEVERITY_LOW","active":true},"note":"x"}""", StatusCode.PermissionDenied),
    };

    /// <summary>Second calls on an RPC already in <see cref="Walk"/>: another way the same RPC could reach across scope.</summary>
    private static readonly List<(string Rpc, Case Case)> AlsoWalk =
    [
        // A game server speaking as itself, but for another server's player: the line is refused per row, nothing is kept.
        ("/gmtools.v1.ChatWatchService/IngestChat", new(As.OtherGameServer, """{"gameServerId":"walk-b","batchId":"2","lines":[{"lineId":"walk-b-2","channel":"CHAT_CHANNEL_WORLD","senderPlayerId":"p-walk","text":"5Ye65ZSu6YeR5biBIOmAn+adpQ==","sentAt":"2026-11-23T08:00:00Z"}]}""", StatusCode.OK,
            a => a is IngestChatResponse { Accepted: 0, Rejected: [{ Field: "lines[0].sender_player_id" }] } ? null : "the other server's player's line was not refused")),
        // An uploaded list may name anyone: only staff who see every server create one.
        ("/gmtools.v1.RewardService/CreateCampaign", new(As.ScopedAdmin, """{"lines":[{"itemId":"walk.gold","count":"1"}],"reason":"r","mailTitle":"t","playerList":{}}""", StatusCode.PermissionDenied)),
        // Dismissing (with a phrase) a review of another server: NOT_FOUND before the allowlist is even considered.
        ("/gmtools.v1.ChatWatchService/DismissChatReview", new(As.ScopedAdmin, """{"reviewId":"{review}","allowPhrase":"出售","note":"x"}""", StatusCode.NotFound)),
        ("/gmtools.v1.ChatWatchService/ListChatReviews", new(As.ScopedAdmin, """{"gameServerId":"walk-a"}""", StatusCode.NotFound)),
        ("/gmtools.v1.AnnouncementService/ListAnnouncements", new(As.ScopedAdmin, """{"gameServerId":"walk-a"}""", StatusCode.OK)),
        ("/gmtools.v1.RewardService/ListGrants", new(As.ScopedAdmin, """{"playerId":"p-walk"}""", StatusCode.OK)),
        ("/gmtools.v1.VipCareService/ListVisits", new(As.ScopedAdmin, """{"gameServerId":"walk-a","playerId":"p-walk"}""", StatusCode.OK,
            a => a is ListVisitsResponse { Visits.Count: 0 } ? null : "walk-a's visits were listed")),
    ];

    /// <summary>RPCs not called this way, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotWalked = new(StringComparer.Ordinal)
    {
        ["/gmtools.v1.IdentityService/WhoAmI"] = "no object: answers only who the caller is",
        ["/gmtools.v1.CaseService/ListCaseKinds"] = "no object: the configured kinds of case, the same for everyone",
        ["/gmtools.v1.DiagnosticsService/Echo"] = "no object: echoes the request",
        ["/gmtools.v1.AuditService/VerifyAuditChain"] = "reveals no content (counts and hashes); verified whole by design (docs/security.md)",
        ["/gmtools.v1.GameLinkService/Connect"] = "bidirectional stream whose identity is the credential itself: a server's hello naming another id is refused by GameLinkPermissionTests",
        ["/gmtools.v1.RewardService/ListCatalogueItems"] = "the catalogue is global and readable by every reader (docs/security.md, the catalogue)",
        // ---- anomalies (#19)
        // ---- vip care (#16) and the duty roster
        ["/gmtools.v1.VipCareService/GetVipTiers"] = "no object: one set of tier thresholds for every game server",
        ["/gmtools.v1.VipCareService/ListVisitRules"] = "no object: one set of visit plan rules for every game server",
        ["/gmtools.v1.StaffingService/SetMyDuty"] = "no game-server object: the caller's own place on the duty roster",
        ["/gmtools.v1.StaffingService/ListDuty"] = "no game-server object: the roster is of staff, one for the whole back office",
        ["/gmtools.v1.StaffingService/SetAgentCapacity"] = "no game-server object: an agent's daily capacity (staff, not a server's data)",
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
        var world = await SeedWorldAsync();
        var otherServer = fx.Server.Channel(await fx.GameServerCredentialAsync("walk-b"));
        var scopedAdmin = fx.Server.Channel(fx.Server.ScopedStaffToken("adm-walk-b", ["walk-b"], Role.Admin));

        var described = Described();
        var failures = new List<string>();
        foreach (var (name, c) in Walk.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => (w.Key, w.Value)).Concat(AlsoWalk))
        {
            var method = described[name];
            var json = world.Aggregate(c.Json, (text, seed) => text.Replace("{" + seed.Key + "}", seed.Value, StringComparison.Ordinal));
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
            if (response is not null && c.Answer?.Invoke(response) is { } wrong)
            {
                failures.Add($"{name}: {wrong}: {JsonFormatter.Default.Format(response)}");
            }
            if (await FingerprintAsync() != before)
            {
                failures.Add($"{name}: something was written");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// walk-a's objects, made by unscoped staff and walk-a itself through the capabilities' own RPCs; the placeholders
    /// the rows use. A capability that needs more adds its own block here.
    /// </summary>
    private async Task<Dictionary<string, string>> SeedWorldAsync()
    {
        static string S(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var world = new Dictionary<string, string>(StringComparer.Ordinal);
        await fx.GameServerAsync("walk-a");
        var walkA = fx.Server.Channel(await fx.GameServerCredentialAsync("walk-a"));
        await fx.AddPlayerAsync("p-walk", "walk-a");

        // ---- sanctions: a ban, its appeal, a bulk action over the guard rail
        for (var i = 0; i < SanctionsFixture.GuardRail + 1; i++)
        {
            await fx.AddPlayerAsync($"p-walk-{i}", "walk-a");
        }
        var gm = fx.Staff("gm-walk");
        var sanction = (await gm.IssueSanctionAsync(Ban("p-walk", OnServer("walk-a")))).Sanction.SanctionId;
        world["sanction"] = S(sanction);
        // ---- cases (#17)
        world["case"] = S((await new CaseService.CaseServiceClient(fx.StaffChannel("agent-walk", Role.Agent)).OpenCaseAsync(new OpenCaseRequest
        {
            PlayerId = "p-walk", Kind = "complaint", Channel = CaseChannel.Phone, Summary = "s",
            Record = new CaseRecord { Account = "a", GameServerId = "walk-a", CharacterName = "x", EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(fx.Clock.GetUtcNow().AddHours(-1)), Contact = "c" },
        })).Case.CaseId);
        var caseAgent = new CaseService.CaseServiceClient(fx.StaffChannel("agent-walk", Role.Agent));
        var rechargeCase = (await caseAgent.OpenCaseAsync(GmTools.Server.Tests.Cases.CaseKit.Open("p-walk", "recharge", fx.Clock.GetUtcNow()).With(r => r.Record.GameServerId = "walk-a"))).Case.CaseId;
        var pendingAdjustment = (await caseAgent.RequestRechargeAdjustmentAsync(new RequestRechargeAdjustmentRequest
        {
            CaseId = rechargeCase, PaymentReference = "W-ALI-1", Amount = 64_800, Currency = "CNY", Reason = "r", IdempotencyKey = "walk-recharge",
        })).Adjustment;
        Assert.Equal(RechargeAdjustmentState.PendingApproval, pendingAdjustment.State); // above RechargeApprovalAbove: waits for a supervisor
        world["adjustment"] = S(pendingAdjustment.AdjustmentId);
        // ---- end cases
        // ---- vip care (#16): p-walk becomes gold behind the sync's back; the planning run makes the welcome visit.
        await using (var conn = new NpgsqlConnection(fx.Postgres))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("UPDATE players SET recharge_total = 2000000 WHERE player_id = 'p-walk'", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var scope = fx.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Server.VipCare.VisitPlanner>().PlanAsync(CancellationToken.None);
        }
        world["visit"] = S(await fx.ScalarAsync("SELECT task_id FROM vip_visit_tasks WHERE player_id = 'p-walk' AND reason = 'welcome'"));
        // ---- end vip care
        world["appeal"] = S((await fx.Staff("agent-walk", Role.Agent).FileAppealAsync(new FileAppealRequest { SanctionId = sanction, Statement = "x" })).Appeal.AppealId);
        world["bulk"] = (await gm.PreviewBulkSanctionAsync(new PreviewBulkSanctionRequest
        {
            PlayerIds = { Enumerable.Range(0, SanctionsFixture.GuardRail + 1).Select(i => $"p-walk-{i}") },
            Kind = SanctionKind.Mute, Scope = OnServer("walk-a"), End = For(TimeSpan.FromHours(1)), ReasonCode = "chat_abuse", Reason = "r",
        })).PreviewToken;

        // ---- rewards: a grant waiting for approval (over the agent's limit); campaigns: a draft, a pending one, an uploaded list
        var admin = new RewardService.RewardServiceClient(fx.StaffChannel("adm-walk", Role.Admin));
        await admin.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new Contracts.V1.CatalogueItem { ItemId = "walk.gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 100, Active = true }, Reason = "walk",
        });
        var agent = new RewardService.RewardServiceClient(fx.StaffChannel("agent-walk", Role.Agent));
        var grant = (await agent.CreateGrantAsync(new CreateGrantRequest
        {
            IdempotencyKey = "walk-grant", Lines = { new RewardLine { ItemId = "walk.gold", Count = 1000 } }, PlayerIds = { "p-walk" }, Reason = "r", MailTitle = "t",
        })).Grant;
        Assert.Equal(GrantState.PendingApproval, grant.State);
        world["grant"] = S(grant.GrantId);
        var supervisor = new RewardService.RewardServiceClient(fx.StaffChannel("sup-walk", Role.Supervisor));
        CreateCampaignRequest Campaign() => new() { Lines = { new RewardLine { ItemId = "walk.gold", Count = 1 } }, Reason = "r", MailTitle = "t", GameServers = new GameServersTarget { GameServerIds = { "walk-a" } } };
        world["draft"] = S((await supervisor.CreateCampaignAsync(Campaign())).Campaign.CampaignId);
        var pending = (await supervisor.CreateCampaignAsync(Campaign())).Campaign.CampaignId;
        await supervisor.SubmitCampaignAsync(new SubmitCampaignRequest { CampaignId = pending });
        world["campaign"] = S(pending);
        var list = (await supervisor.CreateCampaignAsync(Campaign().With(c => c.PlayerList = new PlayerListTarget()))).Campaign.CampaignId;
        await supervisor.AppendCampaignPlayersAsync(new AppendCampaignPlayersRequest { CampaignId = list, PlayerIds = { "p-walk" } });
        world["list"] = S(list);

        // ---- chat watch: a flagged line of p-walk on walk-a (a review), a rule version
        using (var ingest = new ChatWatchService.ChatWatchServiceClient(walkA).IngestChat())
        {
            await ingest.RequestStream.WriteAsync(new IngestChatRequest
            {
                GameServerId = "walk-a", BatchId = 1,
                Lines = { new ChatLineIn { LineId = "walk-a-1", Channel = ChatChannel.World, SenderPlayerId = "p-walk", Text = ByteString.CopyFromUtf8("出售金币 速来"), SentAt = Timestamp.FromDateTimeOffset(fx.Clock.GetUtcNow()) } },
            });
            await ingest.RequestStream.CompleteAsync();
            Assert.True(await ingest.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(1, ingest.ResponseStream.Current.Flagged);
        }
        var chatAdmin = new ChatWatchService.ChatWatchServiceClient(fx.StaffChannel("adm-walk", Role.Admin));
        world["review"] = (await chatAdmin.ListChatReviewsAsync(new ListChatReviewsRequest { GameServerId = "walk-a" })).Reviews.Single().ReviewId;
        world["rules"] = S((await chatAdmin.EditChatTermAsync(new EditChatTermRequest { Term = new ChatTerm { Text = "walkspam", Category = "ads" }, Note = "walk" })).Version.Version);

        // ---- anomalies: a kind that opens a case on the first report, and walk-a's report about p-walk
        await fx.EnsureKindAsync(AnomalyKit.Kind("walk_case", new AnomalyThreshold { Count = 1, Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Action = AnomalyAction.OpenCase }));
        var opened = await new AnomalyService.AnomalyServiceClient(walkA).ReportAnomaliesAsync(new ReportAnomaliesRequest
        {
            GameServerId = "walk-a", Reports = { AnomalyKit.Report("walk-case-1", "p-walk", "walk_case", at: fx.Clock.GetUtcNow().AddSeconds(-30)) },
        });
        Assert.Equal(1, opened.CasesOpened);
        world["anomaly-case"] = S(await fx.ScalarAsync("SELECT case_id FROM anomaly_cases WHERE player_id = 'p-walk'"));

        // ---- announcements on walk-a, a day ahead so nothing fires during the walk: a draft, one waiting for approval, a published one
        var later = fx.Clock.GetUtcNow().AddDays(1);
        world["later"] = later.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        world["later-end"] = later.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var announcer = new AnnouncementService.AnnouncementServiceClient(fx.StaffChannel("gm-walk", Role.Gm));
        CreateAnnouncementRequest Announcement(bool publish) => new()
        {
            Spec = new AnnouncementSpec
            {
                Texts = { new LocalizedText { Locale = "en", Text = "x" } }, Display = AnnouncementDisplay.Marquee,
                Targets = new AnnouncementTargets { GameServerIds = { "walk-a" } },
                Start = Timestamp.FromDateTimeOffset(later), End = Timestamp.FromDateTimeOffset(later.AddHours(1)),
            },
            Publish = publish, Reason = "r",
        };
        world["announcement-draft"] = S((await announcer.CreateAnnouncementAsync(Announcement(false))).Announcement.AnnouncementId);
        world["announcement-pending"] = S((await announcer.CreateAnnouncementAsync(Announcement(true))).Announcement.AnnouncementId);
        var published = (await announcer.CreateAnnouncementAsync(Announcement(true))).Announcement.AnnouncementId;
        await new AnnouncementService.AnnouncementServiceClient(fx.StaffChannel("adm-walk", Role.Admin))
            .ApproveAnnouncementAsync(new ApproveAnnouncementRequest { AnnouncementId = published, Reason = "r" });
        world["announcement"] = S(published);
        return world;
    }

    /// <summary>Any kind of call: a stream's first answer (or its status) stands for the call's answer.</summary>
    private static async Task<(StatusCode, IMessage?)> CallAsync(Grpc.Net.Client.GrpcChannel channel, MethodDescriptor method, IMessage request)
    {
        var (status, response, _) = await CallAnyAsync(channel, method, request);
        return (status, response);
    }

    /// <summary>As above, with the refusal itself (its details name the fields).</summary>
    internal static async Task<(StatusCode Status, IMessage? Response, RpcException? Refusal)> CallAnyAsync(Grpc.Net.Client.GrpcChannel channel, MethodDescriptor method, IMessage request, int streamSeconds = 10)
    {
        var kind = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (true, true) => MethodType.DuplexStreaming,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.Unary,
        };
        var grpcMethod = new Method<IMessage, IMessage>(
            kind, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));
        var invoker = channel.CreateCallInvoker();
        // A stream that is allowed stays open; its first answer (or the deadline) ends the look.
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(kind == MethodType.Unary ? 60 : streamSeconds));
        try
        {
            if (kind == MethodType.ServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(grpcMethod, null, options, request);
                return (StatusCode.OK, await call.ResponseStream.MoveNext(CancellationToken.None) ? call.ResponseStream.Current : null, null);
            }
            if (kind == MethodType.DuplexStreaming)
            {
                using var call = invoker.AsyncDuplexStreamingCall(grpcMethod, null, options);
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                return (StatusCode.OK, await call.ResponseStream.MoveNext(CancellationToken.None) ? call.ResponseStream.Current : null, null);
            }
            if (kind == MethodType.ClientStreaming)
            {
                using var call = invoker.AsyncClientStreamingCall(grpcMethod, null, options);
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                return (StatusCode.OK, await call.ResponseAsync, null);
            }
            return (StatusCode.OK, await invoker.AsyncUnaryCall(grpcMethod, null, options, request), null);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, null, ex);
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

/// <summary>The sanctions fixture, with every announcement publish waiting for a second person (so one on walk-a can wait).</summary>
public sealed class ScopeWalkFixture : SanctionsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["GmTools:Announcements:ApprovalAboveServers"] = "0" };
}
