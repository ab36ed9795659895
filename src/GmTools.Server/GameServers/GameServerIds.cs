using System.Text.RegularExpressions;
using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.GameServers;

/// <summary>
/// Game-server ids are short and safe in keys, channels, headers and file names: 2-32 characters, a
/// lower-case letter first, then lower-case letters, digits or '-', never ending in '-' (so "s1", "cn-east-3").
/// </summary>
public static partial class GameServerIds
{
    public const int MaxLength = 32;

    public const int MinLength = 2;

    [GeneratedRegex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
    private static partial Regex Shape();

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    public static Violations CheckGameServerId(this Violations v, string field, string? id, bool required = true)
    {
        if (string.IsNullOrEmpty(id))
        {
            return required ? v.Add(field, "is required") : v;
        }
        return IsValid(id) ? v : v.Add(field, "must be 2-32 lower-case letters, digits or '-', starting with a letter and not ending in '-'");
    }
}
