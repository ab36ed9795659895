using System.Text.RegularExpressions;
using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.GameServers;

/// <summary>Game-server ids are short and safe in keys, channels, headers and file names.</summary>
public static partial class GameServerIds
{
    public const int MaxLength = 32;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex Shape();

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    public static Violations CheckGameServerId(this Violations v, string field, string? id, bool required = true)
    {
        if (string.IsNullOrEmpty(id))
        {
            return required ? v.Add(field, "is required") : v;
        }
        return IsValid(id) ? v : v.Add(field, "must be 1-32 lower-case letters, digits or '-'");
    }
}
