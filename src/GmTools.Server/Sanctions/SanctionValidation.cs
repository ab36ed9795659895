using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Players;

namespace GmTools.Server.Sanctions;

/// <summary>Shape checks of requests (lengths, required fields, known codes); all faults reported at once.</summary>
internal static class SanctionValidation
{

    public static Violations PlayerId(this Violations v, string field, string value) => v.RequiredMax(field, value, PlayerLimits.PlayerId);

    public static Violations Scope(this Violations v, string field, SanctionScope? scope)
    {
        switch (scope?.TargetCase)
        {
            case SanctionScope.TargetOneofCase.GameServerId:
                return v.CheckGameServerId($"{field}.game_server_id", scope.GameServerId);
            case SanctionScope.TargetOneofCase.AllGameServers when scope.AllGameServers:
                return v;
            default:
                return v.Add(field, "is required: a game_server_id or all_game_servers = true");
        }
    }

    public static Violations ReasonCode(this Violations v, string field, string value, SanctionOptions o)
    {
        if (string.IsNullOrEmpty(value))
        {
            return v.Add(field, "is required");
        }
        return o.EffectiveReasonCodes.Contains(value, StringComparer.Ordinal)
            ? v
            : v.Add(field, $"must be one of: {string.Join(", ", o.EffectiveReasonCodes)}");
    }

    public static Violations End(this Violations v, string field, SanctionEnd? end, bool required)
    {
        switch (end?.EndCase)
        {
            case null or SanctionEnd.EndOneofCase.None:
                return required ? v.Add(field, "is required") : v;
            case SanctionEnd.EndOneofCase.EndsAt when !WireTimeValidation.IsValid(end.EndsAt):
                return v.Timestamp($"{field}.ends_at", end.EndsAt);
            case SanctionEnd.EndOneofCase.Duration when new Violations().Duration($"{field}.duration", end.Duration).Any:
                return v.Duration($"{field}.duration", end.Duration);
            case SanctionEnd.EndOneofCase.Duration when end.Duration.ToTimeSpan() <= TimeSpan.Zero:
                return v.Add($"{field}.duration", "must be positive");
            case SanctionEnd.EndOneofCase.Permanent when !end.Permanent:
                return v.Add($"{field}.permanent", "must be true when set");
            default:
                return v;
        }
    }

    public static Violations Evidence(this Violations v, string field, SanctionEvidence? evidence)
    {
        if (evidence is null)
        {
            return v;
        }
        Ids(v, $"{field}.chat_line_ids", evidence.ChatLineIds);
        Ids(v, $"{field}.anomaly_report_ids", evidence.AnomalyReportIds);
        return v;
    }

    private static void Ids(Violations v, string field, Google.Protobuf.Collections.RepeatedField<string> ids)
    {
        if (ids.Count > SanctionLimits.EvidenceIds)
        {
            v.Add(field, $"at most {SanctionLimits.EvidenceIds} ids");
        }
        else if (ids.Any(id => string.IsNullOrWhiteSpace(id) || id.Length > SanctionLimits.EvidenceIdLength))
        {
            v.Add(field, $"ids must be 1-{SanctionLimits.EvidenceIdLength} characters");
        }
    }

    public static EndSpec? ToSpec(SanctionEnd? end) => end?.EndCase switch
    {
        SanctionEnd.EndOneofCase.EndsAt => new EndSpec(end.EndsAt.ToDateTimeOffset(), null, false),
        SanctionEnd.EndOneofCase.Duration => new EndSpec(null, end.Duration.ToTimeSpan(), false),
        SanctionEnd.EndOneofCase.Permanent => new EndSpec(null, null, true),
        _ => null,
    };

    public static SanctionScopeSpec ToSpec(SanctionScope scope) =>
        new(scope.TargetCase == SanctionScope.TargetOneofCase.GameServerId ? scope.GameServerId : null);
}

internal static class SanctionIdValidation
{
    public static Violations SanctionId(this Violations v, string field, long id) => id > 0 ? v : v.Add(field, "is required");
}
