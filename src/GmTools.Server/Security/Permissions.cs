namespace GmTools.Server.Security;

/// <summary>
/// Every permission an RPC can require. Names are "area.verb"; the permission table below is the only
/// place that says which role holds which.
/// </summary>
public static class Permissions
{
    public const string IdentityRead = "identity.read";
    public const string DiagnosticsEcho = "diagnostics.echo";

    public const string AuditRead = "audit.read";
    public const string AuditVerifyFull = "audit.verify_full";

    public const string GameServersRead = "gameservers.read";
    public const string GameServersManage = "gameservers.manage";

    public const string GameLinkConnect = "gamelink.connect";
    public const string GameLinkRead = "gamelink.read";

    public const string PlayersSync = "players.sync";
    public const string PlayersRead = "players.read";
    public const string PlayersReadContact = "players.read_contact";
    public const string PlayersNote = "players.note";
    public const string PlayersTransfer = "players.transfer";

    public const string SanctionsCheck = "sanctions.check";
    public const string SanctionsRead = "sanctions.read";
    public const string SanctionsIssue = "sanctions.issue";
    public const string SanctionsLift = "sanctions.lift";
    public const string SanctionsApproveBulk = "sanctions.approve_bulk";
    public const string AppealsFile = "appeals.file";
    public const string AppealsDecide = "appeals.decide";

    public const string RewardsRead = "rewards.read";
    public const string RewardsGrant = "rewards.grant";
    public const string RewardsApprove = "rewards.approve";
    public const string RewardsRevoke = "rewards.revoke";
    public const string CatalogueManage = "catalogue.manage";
    public const string CampaignsManage = "campaigns.manage";

    public const string ChatIngest = "chat.ingest";
    public const string ChatWatch = "chat.watch";
    public const string ChatReview = "chat.review";
    public const string ChatRulesRead = "chat.rules_read";
    public const string ChatRulesManage = "chat.rules_manage";

    public const string AnnouncementsRead = "announcements.read";
    public const string AnnouncementsDraft = "announcements.draft";
    public const string AnnouncementsPublish = "announcements.publish";
    public const string AnnouncementsApprove = "announcements.approve";
    public const string AnnouncementsActive = "announcements.active";

    // Player cases (#17).
    public const string CasesRead = "cases.read";
    public const string CasesOpen = "cases.open";
    public const string CasesWork = "cases.work";
    public const string CasesAssign = "cases.assign";
    /// <summary>Ask for a recharge adjustment (充值调帐) on a recharge case.</summary>
    public const string CasesAdjustRecharge = "cases.adjust_recharge";
    /// <summary>Approve or reject a recharge adjustment above the threshold (four eyes).</summary>
    public const string CasesApproveRecharge = "cases.approve_recharge";
    // ---- anomalies (#19)
    public const string AnomaliesReport = "anomalies.report";
    public const string AnomaliesKindsRead = "anomalies.kinds_read";
    public const string AnomaliesKindsManage = "anomalies.kinds_manage";
    public const string AnomaliesRead = "anomalies.read";
    public const string AnomaliesReview = "anomalies.review";

    // ---- duty roster (shared by the work queues) and VIP care (#16)
    public const string StaffingDuty = "staffing.duty";
    public const string StaffingRead = "staffing.read";
    public const string StaffingManage = "staffing.manage";
    public const string VipRead = "vip.read";
    public const string VipWork = "vip.work";
    public const string VipSupervise = "vip.supervise";
    public const string VipConfigure = "vip.configure";
}

/// <summary>Role → permissions. Deny by default: a permission nobody lists here is held by nobody.</summary>
public static class PermissionTable
{
    private static readonly string[] Everyone = [Permissions.IdentityRead, Permissions.DiagnosticsEcho];

    private static readonly string[] Viewer =
    [
        .. Everyone,
        Permissions.GameServersRead, Permissions.GameLinkRead,
        Permissions.PlayersRead, Permissions.SanctionsRead, Permissions.RewardsRead,
        Permissions.AnnouncementsRead,
        Permissions.CasesRead,
        Permissions.AnomaliesKindsRead, Permissions.AnomaliesRead,
        Permissions.VipRead,
    ];

    private static readonly string[] Agent =
    [
        .. Viewer,
        Permissions.PlayersReadContact, Permissions.PlayersNote,
        Permissions.RewardsGrant, Permissions.AppealsFile,
        Permissions.AnnouncementsDraft,
        Permissions.CasesOpen, Permissions.CasesWork, Permissions.CasesAdjustRecharge,
        Permissions.StaffingDuty, Permissions.VipWork,
    ];

    private static readonly string[] Gm =
    [
        .. Viewer,
        Permissions.PlayersReadContact, Permissions.PlayersNote,
        Permissions.SanctionsIssue, Permissions.SanctionsLift, Permissions.AppealsDecide, Permissions.AppealsFile,
        Permissions.ChatWatch, Permissions.ChatReview,
        Permissions.AnnouncementsDraft, Permissions.AnnouncementsPublish,
        Permissions.CasesOpen, Permissions.CasesWork, Permissions.CasesAdjustRecharge,
        Permissions.AnomaliesReview,
    ];

    private static readonly string[] Supervisor =
    [
        .. Agent, .. Gm,
        Permissions.AuditRead, Permissions.RewardsApprove, Permissions.RewardsRevoke,
        Permissions.SanctionsApproveBulk, Permissions.CampaignsManage, Permissions.PlayersTransfer, Permissions.ChatRulesRead,
        Permissions.SanctionsApproveBulk, Permissions.CampaignsManage,
        Permissions.AnnouncementsApprove,
        Permissions.CasesAssign, Permissions.CasesApproveRecharge,
        Permissions.StaffingRead, Permissions.StaffingManage, Permissions.VipSupervise,
    ];

    private static readonly string[] Admin =
    [
        .. Supervisor,
        Permissions.GameServersManage, Permissions.CatalogueManage, Permissions.AuditVerifyFull, Permissions.ChatRulesManage,
        Permissions.AnomaliesKindsManage,
        Permissions.VipConfigure,
    ];

    private static readonly string[] GameServer =
    [
        .. Everyone,
        Permissions.GameLinkConnect, Permissions.PlayersSync, Permissions.SanctionsCheck, Permissions.ChatIngest,
        Permissions.GameLinkConnect, Permissions.PlayersSync, Permissions.SanctionsCheck,
        Permissions.AnnouncementsActive,
        Permissions.CasesOpen,
        Permissions.AnomaliesReport, Permissions.AnomaliesKindsRead,
    ];

    private static readonly Dictionary<Role, HashSet<string>> Table = new()
    {
        [Role.Viewer] = [.. Viewer],
        [Role.Agent] = [.. Agent],
        [Role.Gm] = [.. Gm],
        [Role.Supervisor] = [.. Supervisor],
        [Role.Admin] = [.. Admin],
        [Role.GameServer] = [.. GameServer],
    };

    public static bool Allows(IEnumerable<Role> roles, string permission) =>
        roles.Any(r => Table.TryGetValue(r, out var held) && held.Contains(permission));

    public static IReadOnlyCollection<string> PermissionsOf(IEnumerable<Role> roles) =>
        roles.SelectMany(r => Table.TryGetValue(r, out var held) ? held : []).Distinct().Order(StringComparer.Ordinal).ToArray();
}
