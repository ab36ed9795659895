using GmTools.Server.Security;

namespace GmTools.Server.Cases;

/// <summary>SLA and escalation rules: pure, no clock of their own.</summary>
public static class CaseSla
{
    /// <summary>
    /// The deadlines for a case: the most specific matching rule (kind and priority, then kind, then priority), its
    /// unset parts falling back to the defaults. <paramref name="vipTier"/> is the player's VIP tier (null: not a VIP).
    /// </summary>
    public static (TimeSpan FirstResponse, TimeSpan Resolution) Targets(CaseOptions o, string kind, string priority, string? vipTier = null)
    {
        var best = o.SlaRules
            .Where(r => (r.Kind is null || r.Kind == kind) && (r.Priority is null || r.Priority == priority) && (r.VipTier is null || r.VipTier == vipTier))
            .OrderByDescending(r => (r.VipTier is null ? 0 : 4) + (r.Kind is null ? 0 : 2) + (r.Priority is null ? 0 : 1))
            .FirstOrDefault();
        return (best?.FirstResponse ?? o.FirstResponse, best?.Resolution ?? o.Resolution);
    }

    /// <summary>The index of the level the caller may decide at: the highest whose role the caller holds or outranks (-1: none).</summary>
    public static int AuthorityOf(Caller caller, IReadOnlyList<CaseEscalationLevelOptions> levels)
    {
        if (caller.Kind == CallerKind.System)
        {
            return levels.Count - 1;
        }
        var top = -1;
        for (var i = 0; i < levels.Count; i++)
        {
            if (caller.Roles.Any(r => r != Role.GameServer && r >= levels[i].DecidedBy))
            {
                top = i;
            }
        }
        return top;
    }

    /// <summary>The lowest level whose deciding role holds the permission (the top level when none does).</summary>
    public static int LowestLevelHolding(IReadOnlyList<CaseEscalationLevelOptions> levels, string permission)
    {
        for (var i = 0; i < levels.Count; i++)
        {
            if (PermissionTable.Allows([levels[i].DecidedBy], permission))
            {
                return i;
            }
        }
        return levels.Count - 1;
    }

    public static int IndexOf(IReadOnlyList<CaseEscalationLevelOptions> levels, string name)
    {
        for (var i = 0; i < levels.Count; i++)
        {
            if (levels[i].Name == name)
            {
                return i;
            }
        }
        return 0; // a level no longer configured counts as the first
    }
}
