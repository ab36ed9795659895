using System.Security.Claims;

namespace GmTools.Server.Security;

public enum CallerKind
{
    Staff,
    GameServer,
    System,
}

/// <summary>Who is calling: a staff member (with roles and an optional game-server scope), a game server, or the system itself.</summary>
public sealed record Caller(string Id, CallerKind Kind, IReadOnlyList<Role> Roles, IReadOnlyList<string> GameServerScope)
{
    public const string ServerScopeClaim = "gs";
    public const string GameServerIdClaim = "game_server_id";

    public static readonly Caller System = new("system", CallerKind.System, [Role.Admin], []);

    /// <summary>The game server this caller is, when it is one.</summary>
    public string? GameServerId => Kind == CallerKind.GameServer ? Id : null;

    /// <summary>The role written into audit records: the strongest one held.</summary>
    public string PrimaryRole => Kind == CallerKind.System ? "System" : Roles.Count == 0 ? "none" : Roles.Max().ToString();

    public bool Holds(string permission) => PermissionTable.Allows(Roles, permission);

    /// <summary>Kept for callers written before <see cref="ObjectScope"/>; new code uses <c>caller.Sees(id)</c> and the rest of ObjectScope.</summary>
    public bool CanSeeGameServer(string gameServerId) => this.Sees(gameServerId);

    /// <summary>The game server whose credential was verified, in its role and scope (its own id only).</summary>
    public static Caller ForGameServer(string gameServerId) => new(gameServerId, CallerKind.GameServer, [Role.GameServer], [gameServerId]);

    public static Caller? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal is CallerPrincipal known)
        {
            return known.Caller;
        }
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var gameServerId = principal.FindFirst(GameServerIdClaim)?.Value;
        if (gameServerId is not null)
        {
            return ForGameServer(gameServerId);
        }
        var id = principal.FindFirst("sub")?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }
        var roles = principal.FindAll("role").Concat(principal.FindAll(ClaimTypes.Role))
            .Select(c => Security.Roles.TryParse(c.Value, out var r) ? (Role?)r : null)
            .OfType<Role>()
            .Where(r => r != Role.GameServer) // only a game-server credential makes a game server
            .Distinct()
            .ToArray();
        var scope = principal.FindAll(ServerScopeClaim).Select(c => c.Value).Where(v => v.Length > 0).Distinct().ToArray();
        return new Caller(id, CallerKind.Staff, roles, scope);
    }
}
