namespace GmTools.Server.Infrastructure.Redis;

/// <summary>
/// Hash tags for Redis Cluster. A cluster hashes only the part of a key between its first '{' and the next '}', so
/// every key of one operation (a script, MGET, ZUNION) must carry the same tag, and the tag is the unit that
/// operation works on: a player, or a game server. The id is escaped (%, { and } as %25, %7B, %7D; an empty id as %)
/// so that an id holding braces cannot end the tag early or leave it empty, and two ids never share an escaped form.
/// The key layout is tabled in docs/architecture.md ("Redis keys").
/// </summary>
public static class RedisKeys
{
    /// <summary>"{id}", escaped: the hash tag of every key of this player or game server.</summary>
    public static string Tag(string id)
    {
        if (id.Length == 0)
        {
            return "{%}";
        }
        if (id.AsSpan().IndexOfAny('%', '{', '}') < 0)
        {
            return "{" + id + "}";
        }
        return "{" + id.Replace("%", "%25", StringComparison.Ordinal).Replace("{", "%7B", StringComparison.Ordinal)
            .Replace("}", "%7D", StringComparison.Ordinal) + "}";
    }
}
