namespace GmTools.Console.Security;

/// <summary>The demo staff accounts offered by development sign-in (the same names the server's demo seed prints).</summary>
public static class DemoAccounts
{
    public sealed record Account(string User, string Role, string[] Scope);

    public static readonly Account[] All =
    [
        new("ada.admin", "Admin", []),
        new("sam.supervisor", "Supervisor", []),
        new("sue.supervisor", "Supervisor", []),
        new("gus.gm", "Gm", []),
        new("gia.gm", "Gm", ["s1"]),
        new("amy.agent", "Agent", []),
        new("vic.viewer", "Viewer", []),
    ];

    /// <summary>Staff roles a development sign-in may claim (never GameServer: only a game-server credential is one).</summary>
    public static readonly string[] StaffRoles = ["Viewer", "Agent", "Gm", "Supervisor", "Admin"];
}
