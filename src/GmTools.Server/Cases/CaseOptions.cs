using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Cases;

/// <summary>Section "GmTools:Cases".</summary>
public sealed class CaseOptions
{
    public const string Section = "GmTools:Cases";

    /// <summary>The kinds of case (data, not code); none configured = the built-in six below.</summary>
    public List<CaseKindOptions> Kinds { get; set; } = [];

    /// <summary>Record fields every kind requires; none configured = account, server, character name, event time, contact.</summary>
    public List<string> CommonRequiredFields { get; set; } = [];

    /// <summary>A resolved (or closed) case may be reopened for this long after its resolution.</summary>
    public TimeSpan ReopenPeriod { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The largest recharge amount a record may carry, in the smallest currency unit (an absurd amount is a typo).</summary>
    [Range(1, long.MaxValue)]
    public long MaxAmount { get; set; } = 10_000_000; // 100,000.00 in yuan

    /// <summary>The kind of case recharge adjustments are made from.</summary>
    public string RechargeKind { get; set; } = "recharge";

    /// <summary>The currency players' recharge totals are kept in; an adjustment must be in it.</summary>
    [RegularExpression("^[A-Z]{3}$")]
    public string RechargeCurrency { get; set; } = "CNY";

    /// <summary>A recharge adjustment above this (smallest currency unit) waits for a supervisor other than the requester.</summary>
    [Range(0, long.MaxValue)]
    public long RechargeApprovalAbove { get; set; } = 10_000; // 100.00 yuan

    /// <summary>The kind of case that is a bug report (tallies, duplicates, export).</summary>
    public string BugKind { get; set; } = "bug";

    /// <summary>ExportBugReports writes at most this many rows.</summary>
    [Range(1, 100_000)]
    public int ExportMaxRows { get; set; } = 10_000;

    /// <summary>GetCaseReport covers at most this span of opening times.</summary>
    public TimeSpan ReportMaxSpan { get; set; } = TimeSpan.FromDays(366);

    /// <summary>Answer within this (the job descriptions: three days at most), unless a rule below says otherwise.</summary>
    public TimeSpan FirstResponse { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Resolve within this, unless a rule below says otherwise.</summary>
    public TimeSpan Resolution { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Deadlines by kind and/or priority; the most specific matching rule wins (kind and priority, then kind, then priority).</summary>
    public List<CaseSlaRule> SlaRules { get; set; } = [];

    /// <summary>A deadline this close gets a warning (audit record case.sla_warning, shown on the case).</summary>
    public TimeSpan WarnBefore { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Time spent waiting for the player does not count against the deadlines.</summary>
    public bool PauseWhileWaitingForPlayer { get; set; } = true;

    /// <summary>How often the clustered SLA watch runs.</summary>
    public TimeSpan SlaSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 100_000)]
    public int SlaSweepBatch { get; set; } = 500;

    /// <summary>Escalation levels, lowest first; none configured = agent, senior_agent, supervisor, operations.</summary>
    public List<CaseEscalationLevelOptions> EscalationLevels { get; set; } = [];

    // No senior-agent role exists yet: GMs (who hold more than agents) decide at that level until one does.
    internal static readonly CaseEscalationLevelOptions[] DefaultEscalationLevels =
    [
        new() { Name = "agent", DecidedBy = Security.Role.Agent },
        new() { Name = "senior_agent", DecidedBy = Security.Role.Gm },
        new() { Name = "supervisor", DecidedBy = Security.Role.Supervisor },
        new() { Name = "operations", DecidedBy = Security.Role.Admin },
    ];

    public IReadOnlyList<CaseEscalationLevelOptions> EffectiveEscalationLevels => EscalationLevels.Count > 0 ? EscalationLevels : DefaultEscalationLevels;

    internal static readonly string[] DefaultCommonRequiredFields =
    [
        CaseRecordFields.Account, CaseRecordFields.GameServerId, CaseRecordFields.CharacterName,
        CaseRecordFields.EventTime, CaseRecordFields.Contact,
    ];

    internal static readonly CaseKindOptions[] DefaultKinds =
    [
        new() { Name = "complaint" },
        new() { Name = "bug", RequiredFields = [CaseRecordFields.GameArea, CaseRecordFields.ClientVersion] },
        new()
        {
            Name = "recharge",
            RequiredFields = [CaseRecordFields.PaymentChannel, CaseRecordFields.OrderReference, CaseRecordFields.Amount, CaseRecordFields.Currency, CaseRecordFields.PaymentTime],
        },
        new() { Name = "account" },
        new() { Name = "lost_item", RequiredFields = [CaseRecordFields.ItemName, CaseRecordFields.Location] },
        new() { Name = "other" },
    ];

    public IReadOnlyList<CaseKindOptions> EffectiveKinds => Kinds.Count > 0 ? Kinds : DefaultKinds;

    public IReadOnlyList<string> EffectiveCommonRequiredFields => CommonRequiredFields.Count > 0 ? CommonRequiredFields : DefaultCommonRequiredFields;

    public CaseKindOptions? Kind(string name) => EffectiveKinds.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal));

    /// <summary>Everything a case of this kind must record: the common fields, then the kind's own.</summary>
    public IReadOnlyList<string> RequiredFields(CaseKindOptions kind) => [.. EffectiveCommonRequiredFields.Concat(kind.RequiredFields).Distinct(StringComparer.Ordinal)];
}

public sealed class CaseKindOptions
{
    public string Name { get; set; } = "";

    /// <summary>CaseRecord field names this kind requires besides the common ones.</summary>
    public List<string> RequiredFields { get; set; } = [];
}

/// <summary>A deadline rule; an unset Kind or Priority matches any. VipTier matches the player's tier as VIP care holds it (vip_players).</summary>
public sealed class CaseSlaRule
{
    public string? Kind { get; set; }
    public string? Priority { get; set; }
    public string? VipTier { get; set; }
    public TimeSpan? FirstResponse { get; set; }
    public TimeSpan? Resolution { get; set; }
}

public sealed class CaseEscalationLevelOptions
{
    public string Name { get; set; } = "";

    /// <summary>The least role that decides a case at this level (roles are ordered agent, gm, supervisor, admin).</summary>
    public Security.Role DecidedBy { get; set; } = Security.Role.Agent;
}
