using GmTools.Server.Announcements;
using GmTools.Server.Audit;
using GmTools.Server.Cases;
using GmTools.Server.Players;
using GmTools.Server.Rewards;
using GmTools.Server.Sanctions;

namespace GmTools.Server.Security;

/// <summary>
/// Per kind of object, what "within the caller's scope" means, built only from the primitives in
/// <see cref="ObjectScope"/>. A new capability adds its kind here (one method or two) rather than writing its own check.
/// </summary>
public static class ObjectRules
{
    // ---- players: by the game server they live on now.

    public static bool SeesPlayer(this Caller caller, string homeGameServerId) => caller.Sees(homeGameServerId);

    public static Player VisiblePlayer(this Caller caller, Player? player, string playerId) =>
        caller.VisibleOrNotFound(player, p => caller.Sees(p.GameServerId), PlayerNotFound(playerId));

    public static string PlayerNotFound(string playerId) => $"player '{playerId}' not found";

    // ---- sanctions: seen with the player's record (where the player lived when it was issued) or on the server it
    // applies to; changed (lift, new end, appeal decision) only by staff whose scope covers where it applies.

    public static bool SeesSanction(this Caller caller, Sanction sanction) =>
        caller.Sees(sanction.PlayerGameServerId) || (sanction.ScopeGameServerId is { } on && caller.Sees(on));

    public static Sanction VisibleSanction(this Caller caller, Sanction? sanction, long sanctionId) =>
        caller.VisibleOrNotFound(sanction, caller.SeesSanction, SanctionNotFound(sanctionId));

    public static string SanctionNotFound(long sanctionId) => $"sanction {sanctionId} not found";

    /// <summary>Issuing with this scope (null = all servers): NOT_FOUND for a server outside the scope, PERMISSION_DENIED for "all".</summary>
    public static void EnsureMaySanctionOn(this Caller caller, string? scopeGameServerId)
    {
        if (scopeGameServerId is null)
        {
            caller.EnsureCoversEveryServer("an all-server sanction");
            return;
        }
        caller.EnsureSees(scopeGameServerId, GameServerNotFound(scopeGameServerId));
    }

    /// <summary>Lift, change of end, appeal decision: authorized on where the sanction applies, not on the player's home.</summary>
    public static void EnsureMayChangeSanction(this Caller caller, Sanction sanction)
    {
        if (sanction.ScopeGameServerId is null)
        {
            caller.EnsureCoversEveryServer("changing an all-server sanction");
            return;
        }
        caller.EnsureCovers([sanction.ScopeGameServerId], $"changing sanction {sanction.SanctionId}");
    }

    // ---- appeals: seen with their sanction; decided like a lift, by neither the issuer nor the filer.

    public static bool SeesAppeal(this Caller caller, Sanction appealed) => caller.SeesSanction(appealed);

    public static string AppealNotFound(long appealId) => $"appeal {appealId} not found";

    /// <summary>
    /// Deciding an appeal may lift the sanction, so it passes every check a lift passes (the lift permission, the
    /// sanction's scope), and four eyes: neither the issuer nor the filer, a supervisor when so configured.
    /// </summary>
    public static void EnsureMayDecideAppeal(this Caller caller, Sanction appealed, string filedBy, bool supervisorOnly)
    {
        if (!caller.Holds(Permissions.SanctionsLift))
        {
            throw Infrastructure.Grpc.GrpcErrors.PermissionDenied($"deciding an appeal may lift the sanction and needs permission '{Permissions.SanctionsLift}'");
        }
        caller.EnsureMayChangeSanction(appealed);
        caller.EnsureSomeoneElse("an appeal must be decided by someone other than the sanction's issuer and the appeal's filer", appealed.IssuedBy, filedBy);
        if (supervisorOnly && caller.Kind != CallerKind.System && !caller.Roles.Any(r => r is Role.Supervisor or Role.Admin))
        {
            throw Infrastructure.Grpc.GrpcErrors.PermissionDenied("appeals are decided by a supervisor here (GmTools:Sanctions:AppealsDecidedBySupervisor)");
        }
    }

    // ---- bulk actions: seen only by staff who see every player and server in them; the scope "all" needs every server to act on.

    public static bool SeesBulkAction(this Caller caller, IEnumerable<string> gameServerIds) => caller.SeesAll(gameServerIds);

    public static string BulkActionNotFound => "preview token not found";

    /// <summary>A bulk sanction is seen whole: every player's server and where it applies (all servers: unscoped only).</summary>
    public static bool SeesBulkSanction(this Caller caller, BulkSanctionPreview bulk) =>
        caller.SeesAll(bulk.PlayerGameServerIds) && caller.Sees(bulk.ScopeGameServerId);

    public static BulkSanctionPreview VisibleBulkSanction(this Caller caller, BulkSanctionPreview? bulk) =>
        caller.VisibleOrNotFound(bulk, caller.SeesBulkSanction, BulkActionNotFound);

    /// <summary>Approving reaches every target: where it applies and every player's home now (players may have moved since the preview).</summary>
    public static void EnsureMayApproveBulk(this Caller caller, BulkSanctionPreview bulk, IEnumerable<string> currentHomes)
    {
        if (bulk.ScopeGameServerId is null)
        {
            caller.EnsureCoversEveryServer("approving an all-server bulk sanction");
        }
        caller.EnsureCovers(currentHomes.Concat(bulk.PlayerGameServerIds).Concat(bulk.ScopeGameServerId is { } on ? [on] : []), "approving this bulk sanction");
    }

    // ---- grants: seen only whole (every recipient's server); decided by someone other than the requester.

    public static bool SeesGrant(this Caller caller, Grant grant) => caller.SeesAll(grant.Recipients.Select(r => r.GameServerId));

    public static Grant VisibleGrant(this Caller caller, Grant? grant, long grantId) =>
        caller.VisibleOrNotFound(grant, caller.SeesGrant, $"grant {grantId} not found");

    // ---- campaigns: by their target servers. An uploaded list may name any player, so it is for unscoped staff only.

    /// <summary>Creating a campaign to an uploaded list: the list may name anyone, so only staff who see every server.</summary>
    public static void EnsureMayCreateCampaign(this Caller caller, string targetKind)
    {
        if (targetKind == CampaignTargets.PlayerList)
        {
            caller.EnsureCoversEveryServer("a campaign to an uploaded player list");
        }
    }

    public static bool SeesCampaign(this Caller caller, Campaign campaign) =>
        campaign.TargetKind == CampaignTargets.PlayerList ? caller.CoversEveryServer() : caller.SeesAll(campaign.TargetGameServers);

    public static Campaign VisibleCampaign(this Caller caller, Campaign? campaign, long campaignId) =>
        caller.VisibleOrNotFound(campaign, caller.SeesCampaign, $"campaign {campaignId} not found");

    // ---- game servers: a scoped admin manages only its servers; creating one needs every server.

    public static bool SeesGameServer(this Caller caller, string gameServerId) => caller.Sees(gameServerId);

    public static string GameServerNotFound(string gameServerId) => $"game server '{gameServerId}' not found";

    // ---- audit records: by the game server they name, else by the player they name (its home now); a record that
    // names neither (campaigns, catalogue, refusals) is for unscoped readers. See AuditQueries for the SQL form.

    public static bool SeesAuditRecord(this Caller caller, AuditRecord record, string? playerHomeGameServerId) =>
        record.GameServerId is { } on ? caller.Sees(on) : playerHomeGameServerId is { } home ? caller.Sees(home) : caller.CoversEveryServer();

    // ---- chat: lines and flags by the game server they were said on; a game server speaks only for its own players
    // (or players no server has synced yet). The rule set is one document for every server, so changing it
    // (import, term edit, rollback, a phrase taught to the allowlist) needs staff whose scope covers every server.

    /// <summary>True when a game server may send something said by this player (home null: a player nobody synced yet).</summary>
    public static bool SpeaksFor(string gameServerId, string? playerHomeGameServerId) =>
        playerHomeGameServerId is null || string.Equals(playerHomeGameServerId, gameServerId, StringComparison.Ordinal);

    public static void EnsureMayChangeChatRules(this Caller caller, string what) =>
        caller.EnsureCoversEveryServer($"{what} (one chat rule set for every game server)");

    // ---- announcements: by their target servers; one to every server is for unscoped staff only.

    public static bool SeesAnnouncement(this Caller caller, Announcement announcement) =>
        announcement.AllServers ? caller.CoversEveryServer() : caller.SeesAll(announcement.TargetGameServers);

    public static Announcement VisibleAnnouncement(this Caller caller, Announcement? announcement, long announcementId) =>
        caller.VisibleOrNotFound(announcement, caller.SeesAnnouncement, AnnouncementNotFound(announcementId));

    public static string AnnouncementNotFound(long announcementId) => $"announcement {announcementId} not found";

    // ---- player cases: by the player's home server when the case was opened (a game server: its own players' cases).

    public static bool SeesCase(this Caller caller, PlayerCase playerCase) => caller.Sees(playerCase.GameServerId);

    public static PlayerCase VisibleCase(this Caller caller, PlayerCase? playerCase, long caseId) =>
        caller.VisibleOrNotFound(playerCase, caller.SeesCase, CaseNotFound(caseId));

    public static string CaseNotFound(long caseId) => $"case {caseId} not found";

    // ---- anomaly cases: by the game server the player lived on when the case opened.

    public static Anomalies.AnomalyCase VisibleAnomalyCase(this Caller caller, Anomalies.AnomalyCase? anomalyCase, long caseId) =>
        caller.VisibleOrNotFound(anomalyCase, c => caller.Sees(c.GameServerId), $"anomaly case {caseId} not found");

    // ---- VIP visits: by the player's home server when the visit was planned.

    public static VipCare.VisitTask VisibleVisit(this Caller caller, VipCare.VisitTask? visit, long visitId) =>
        caller.VisibleOrNotFound(visit, v => caller.Sees(v.GameServerId), $"visit {visitId} not found");
}
