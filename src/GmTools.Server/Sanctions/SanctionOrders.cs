namespace GmTools.Server.Sanctions;

/// <summary>An end as asked for: an instant, a duration from now, or permanent.</summary>
public sealed record EndSpec(DateTimeOffset? At, TimeSpan? Duration, bool Permanent)
{
    /// <summary>The end instant; null means permanent.</summary>
    public DateTimeOffset? Resolve(DateTimeOffset now) => Permanent ? null : At ?? now + Duration!.Value;

    /// <summary>The field a complaint about this end is reported on.</summary>
    public string Field(string prefix) => Permanent ? $"{prefix}.permanent" : At is not null ? $"{prefix}.ends_at" : $"{prefix}.duration";
}

/// <summary>Null game server: all game servers.</summary>
public sealed record SanctionScopeSpec(string? GameServerId);

public sealed record IssueOrder(
    string PlayerId,
    string Kind,
    SanctionScopeSpec Scope,
    EndSpec? End,
    string ReasonCode,
    string Reason,
    IReadOnlyList<string> ChatLineIds,
    IReadOnlyList<string> AnomalyReportIds,
    string TicketRef,
    string OverrideReason);

/// <summary>A bulk sanction's content, as previewed and as executed (the two must be the same).</summary>
public sealed record BulkOrder(
    IReadOnlyList<string> PlayerIds,
    string Kind,
    SanctionScopeSpec Scope,
    EndSpec End,
    string ReasonCode,
    string Reason,
    string TicketRef);

/// <summary>CaseId: the player case the lift is made from, if any.</summary>
public sealed record LiftOrder(long SanctionId, string Reason, bool Wrongful, string TicketRef, long? CaseId = null);

public sealed record ChangeEndOrder(long SanctionId, EndSpec End, string Reason, string TicketRef);

public sealed record IssuedSanction(Sanction Sanction, IReadOnlyList<string> NotifiedGameServerIds);
