namespace GmTools.Server.Security;

/// <summary>Roles as they appear in tokens ("role" claims) and in the permission table.</summary>
public enum Role
{
    Viewer,
    Agent,
    Gm,
    Supervisor,
    Admin,
    GameServer,
}

public static class Roles
{
    public static bool TryParse(string value, out Role role) => Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role);

    public static Contracts.V1.Role ToContract(this Role role) => role switch
    {
        Role.Viewer => Contracts.V1.Role.Viewer,
        Role.Agent => Contracts.V1.Role.Agent,
        Role.Gm => Contracts.V1.Role.Gm,
        Role.Supervisor => Contracts.V1.Role.Supervisor,
        Role.Admin => Contracts.V1.Role.Admin,
        Role.GameServer => Contracts.V1.Role.GameServer,
        _ => Contracts.V1.Role.Unspecified,
    };
}
