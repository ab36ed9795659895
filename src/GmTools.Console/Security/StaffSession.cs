using Microsoft.AspNetCore.Components.Authorization;

namespace GmTools.Console.Security;

/// <summary>
/// The signed-in staff member within one circuit: their token (sent on every call) and what the server says
/// they may do (WhoAmI). Pages offer only what <see cref="May"/> allows; the server still enforces it.
/// </summary>
public sealed class StaffSession(AuthenticationStateProvider? authentication)
{
    private Task? _loading;

    public string UserId { get; private set; } = "";

    public string Token { get; private set; } = "";

    public IReadOnlyList<Role> Roles { get; private set; } = [];

    /// <summary>Empty: every game server.</summary>
    public IReadOnlyList<string> GameServerScope { get; private set; } = [];

    public IReadOnlySet<string> Permissions { get; private set; } = new HashSet<string>();

    public bool Loaded { get; private set; }

    public bool May(string permission) => Permissions.Contains(permission);

    /// <summary>Reads the token from the sign-in cookie's principal, then asks the server who that is.</summary>
    public Task EnsureLoadedAsync(IdentityService.IdentityServiceClient identity, CancellationToken ct = default) =>
        _loading ??= LoadAsync(identity, ct);

    private async Task LoadAsync(IdentityService.IdentityServiceClient identity, CancellationToken ct)
    {
        if (authentication is not null && !Loaded)
        {
            var state = await authentication.GetAuthenticationStateAsync();
            Token = state.User.FindFirst(StaffClaims.Token)?.Value ?? "";
            UserId = state.User.FindFirst(StaffClaims.Subject)?.Value ?? "";
        }
        if (Token.Length == 0)
        {
            Loaded = true;
            return;
        }
        var me = await identity.WhoAmIAsync(new WhoAmIRequest(), cancellationToken: ct);
        UserId = me.Caller.Id;
        Roles = me.Caller.Roles.ToArray();
        GameServerScope = me.Caller.GameServerScope.ToArray();
        Permissions = me.Permissions.ToHashSet(StringComparer.Ordinal);
        Loaded = true;
    }

    /// <summary>For component tests: a session as the server would have described it.</summary>
    public static StaffSession ForTests(string user, IEnumerable<Role> roles, IEnumerable<string> permissions, IEnumerable<string>? scope = null)
    {
        var session = new StaffSession(null)
        {
            UserId = user,
            Token = "test-token",
            Roles = roles.ToArray(),
            Permissions = permissions.ToHashSet(StringComparer.Ordinal),
            GameServerScope = (scope ?? []).ToArray(),
            Loaded = true,
        };
        session._loading = Task.CompletedTask;
        return session;
    }
}

/// <summary>The server's permission names (its Security/Permissions.cs); WhoAmI says which the caller holds.</summary>
public static class Perm
{
    public const string AuditRead = "audit.read";
    public const string AuditVerifyFull = "audit.verify_full";
    public const string GameServersRead = "gameservers.read";
    public const string GameServersManage = "gameservers.manage";
    public const string GameLinkRead = "gamelink.read";
    public const string PlayersRead = "players.read";
    public const string PlayersReadContact = "players.read_contact";
    public const string PlayersNote = "players.note";
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

    // ---- desk: VIP care, duty roster, cheater cases, player cases (console part 2)
    public const string VipWork = "vip.work";
    public const string VipSupervise = "vip.supervise";
    public const string StaffingDuty = "staffing.duty";
    public const string StaffingRead = "staffing.read";
    public const string AnomaliesRead = "anomalies.read";
    public const string AnomaliesReview = "anomalies.review";
    public const string CasesRead = "cases.read";
    public const string CasesOpen = "cases.open";
    public const string CasesWork = "cases.work";
    public const string CasesAssign = "cases.assign";
    public const string CasesAdjustRecharge = "cases.adjust_recharge";
    public const string CasesApproveRecharge = "cases.approve_recharge";
    public const string CasesRate = "cases.rate";
    // Chat watch and announcements (console part 2, live pages).
    public const string ChatWatch = "chat.watch";
    public const string ChatReview = "chat.review";
    public const string ChatRulesRead = "chat.rules_read";
    public const string ChatRulesManage = "chat.rules_manage";
    public const string AnnouncementsRead = "announcements.read";
    public const string AnnouncementsDraft = "announcements.draft";
    public const string AnnouncementsPublish = "announcements.publish";
    public const string AnnouncementsApprove = "announcements.approve";
}
