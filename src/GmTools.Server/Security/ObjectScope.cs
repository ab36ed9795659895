using System.Linq.Expressions;
using GmTools.Server.Infrastructure.Grpc;
using Grpc.Core;

namespace GmTools.Server.Security;

/// <summary>
/// The one answer to "may this caller touch this object", as primitives every capability reuses
/// (docs/security.md, "How to use"). Two kinds of refusal, never mixed up:
/// <list type="bullet">
/// <item>NOT_FOUND: the object lives (wholly or partly) on game servers outside the caller's scope. The message is
/// the one a missing object gets, so a scope never reveals that something exists.</item>
/// <item>PERMISSION_DENIED: the caller may see the object but the action reaches further than the scope
/// (an all-server sanction, a new game server, the global catalogue), or a four-eyes rule says "someone else".</item>
/// </list>
/// Scopes: the system and unscoped staff see every server; staff with <c>gs</c> claims see exactly those; a game
/// server sees only itself.
/// </summary>
public static class ObjectScope
{
    /// <summary>The servers the caller may see: null = every one; otherwise exactly these (never empty).</summary>
    public static IReadOnlyList<string>? VisibleServers(this Caller caller) => caller.Kind switch
    {
        CallerKind.System => null,
        CallerKind.GameServer => [caller.Id],
        _ => caller.GameServerScope.Count == 0 ? null : caller.GameServerScope,
    };

    /// <summary>True for the system and for staff without a game-server scope.</summary>
    public static bool CoversEveryServer(this Caller caller) => caller.VisibleServers() is null;

    /// <summary>True when the caller may see this game server's objects (null: no server, seen only by those who see all).</summary>
    public static bool Sees(this Caller caller, string? gameServerId) =>
        gameServerId is null ? caller.CoversEveryServer() : caller.VisibleServers() is not { } scope || scope.Contains(gameServerId, StringComparer.Ordinal);

    /// <summary>True when every one of the servers is visible (an object spread over servers is seen only whole).</summary>
    public static bool SeesAll(this Caller caller, IEnumerable<string> gameServerIds) =>
        caller.VisibleServers() is not { } scope || gameServerIds.All(id => scope.Contains(id, StringComparer.Ordinal));

    /// <summary>The object, if it exists and lies within the caller's scope; otherwise NOT_FOUND with the same message either way.</summary>
    public static T VisibleOrNotFound<T>(this Caller caller, T? item, Func<T, bool> visible, string notFoundMessage) where T : class =>
        item is not null && visible(item) ? item : throw GrpcErrors.NotFound(notFoundMessage);

    /// <summary>NOT_FOUND unless the caller sees the game server.</summary>
    public static void EnsureSees(this Caller caller, string gameServerId, string notFoundMessage)
    {
        if (!caller.Sees(gameServerId))
        {
            throw GrpcErrors.NotFound(notFoundMessage);
        }
    }

    /// <summary>PERMISSION_DENIED unless the scope covers each of the servers the action reaches.</summary>
    public static void EnsureCovers(this Caller caller, IEnumerable<string> gameServerIds, string action)
    {
        if (!caller.SeesAll(gameServerIds))
        {
            throw GrpcErrors.PermissionDenied($"{action} reaches game servers outside your scope");
        }
    }

    /// <summary>PERMISSION_DENIED unless the caller's scope covers every game server (unscoped staff or the system).</summary>
    public static void EnsureCoversEveryServer(this Caller caller, string action)
    {
        if (!caller.CoversEveryServer())
        {
            throw GrpcErrors.PermissionDenied($"{action} needs staff whose scope covers every game server");
        }
    }

    /// <summary>A game server may only speak for itself (PERMISSION_DENIED otherwise, staff included).</summary>
    public static void EnsureIsGameServer(this Caller caller, string gameServerId)
    {
        if (caller.Kind != CallerKind.GameServer || !string.Equals(caller.Id, gameServerId, StringComparison.Ordinal))
        {
            throw GrpcErrors.PermissionDenied($"this credential may not act as game server '{gameServerId}'");
        }
    }

    /// <summary>
    /// Four eyes: PERMISSION_DENIED when the caller is one of the people who may not decide (the requester, the
    /// issuer, the filer). <paramref name="rule"/> says who must decide, e.g. "a grant must be decided by someone other than its requester".
    /// </summary>
    public static void EnsureSomeoneElse(this Caller caller, string rule, params string?[] excluded)
    {
        if (excluded.Any(person => string.Equals(person, caller.Id, StringComparison.Ordinal)))
        {
            throw GrpcErrors.PermissionDenied(rule);
        }
    }

    /// <summary>Lists only rows whose game server the caller sees (rows with a null server are seen only by those who see all).</summary>
    public static IQueryable<T> WhereVisible<T>(this IQueryable<T> rows, Caller caller, Expression<Func<T, string?>> gameServerOf)
    {
        if (caller.VisibleServers() is not { } scope)
        {
            return rows;
        }
        var list = scope.ToList();
        // rows.Where(r => list.Contains(gameServerOf(r))), built so EF translates it to "= ANY(@list)".
        var contains = Expression.Call(Expression.Constant(list), typeof(List<string>).GetMethod(nameof(List<string>.Contains))!, gameServerOf.Body);
        return rows.Where(Expression.Lambda<Func<T, bool>>(contains, gameServerOf.Parameters));
    }

    /// <summary>SQL form of the scope for hand-written queries: null = no filter; otherwise bind as text[] and test "col = ANY(@p)".</summary>
    public static string[]? ScopeParameter(this Caller caller) => caller.VisibleServers()?.ToArray();

    internal static RpcException NotFound(string message) => GrpcErrors.NotFound(message);
}
