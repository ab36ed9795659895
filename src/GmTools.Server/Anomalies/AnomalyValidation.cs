using System.Text;
using System.Text.Json;
using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Players;

namespace GmTools.Server.Anomalies;

/// <summary>Shape checks of reports and kinds, and the proto → order conversions. Nothing here reads the database.</summary>
public static class AnomalyValidation
{
    /// <summary>
    /// Reads one report, or says which field is wrong (the first one found). <paramref name="at"/> names the report
    /// in the request ("reports[3]").
    /// </summary>
    public static bool TryReadReport(AnomalyReportIn r, int index, string at, DateTimeOffset now, AnomalyOptions o,
        out IncomingReport? report, out ReportResult? rejected)
    {
        report = null;
        rejected = null;
        string? field = null, reason = null;
        void Bad(string f, string why)
        {
            if (field is null)
            {
                (field, reason) = ($"{at}.{f}", why);
            }
        }

        if (string.IsNullOrWhiteSpace(r.ReportId) || r.ReportId.Length > AnomalyLimits.ReportId)
        {
            Bad("report_id", $"must be 1-{AnomalyLimits.ReportId} characters");
        }
        if (string.IsNullOrWhiteSpace(r.PlayerId) || r.PlayerId.Length > PlayerLimits.PlayerId)
        {
            Bad("player_id", $"must be 1-{PlayerLimits.PlayerId} characters");
        }
        if (!IsKindName(r.Kind))
        {
            Bad("kind", $"must be a kind name (1-{AnomalyLimits.KindName} of a-z, 0-9, _)");
        }
        var severity = AnomalySeverities.FromContract(r.Severity);
        if (severity is null && r.Severity != AnomalySeverity.Unspecified)
        {
            Bad("severity", "is not a known severity");
        }
        DateTimeOffset occurredAt = default;
        if (r.OccurredAt is null)
        {
            Bad("occurred_at", "is required");
        }
        else if (!WireTimeValidation.IsValid(r.OccurredAt))
        {
            Bad("occurred_at", "must be a valid time between year 1 and year 9999");
        }
        else
        {
            occurredAt = r.OccurredAt.ToDateTimeOffset();
            if (occurredAt > now + o.MaxClockAhead)
            {
                Bad("occurred_at", $"is too far in the future (more than {o.MaxClockAhead} ahead of the server's clock)");
            }
            else if (occurredAt < now - o.MaxReportAge)
            {
                Bad("occurred_at", $"is older than {o.MaxReportAge}");
            }
        }
        var evidence = r.EvidenceJson.Length == 0 ? "{}" : r.EvidenceJson;
        if (EvidenceProblem(evidence) is { } problem)
        {
            Bad("evidence_json", problem);
        }
        if (r.RelatedPlayerIds.Count > AnomalyLimits.RelatedPlayers)
        {
            Bad("related_player_ids", $"at most {AnomalyLimits.RelatedPlayers} players");
        }
        else if (r.RelatedPlayerIds.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > PlayerLimits.PlayerId))
        {
            Bad("related_player_ids", $"each must be 1-{PlayerLimits.PlayerId} characters");
        }
        else if (r.RelatedPlayerIds.Distinct(StringComparer.Ordinal).Count() != r.RelatedPlayerIds.Count)
        {
            Bad("related_player_ids", "must be distinct");
        }
        else if (r.RelatedPlayerIds.Contains(r.PlayerId, StringComparer.Ordinal))
        {
            Bad("related_player_ids", "must not name the reported player");
        }
        if (r.Summary.Length > AnomalyLimits.Summary)
        {
            Bad("summary", $"must be at most {AnomalyLimits.Summary} characters");
        }

        if (field is not null)
        {
            rejected = ReportResult.Rejected(index, r.ReportId, field, reason!);
            return false;
        }
        report = new IncomingReport(index, at, r.ReportId, r.PlayerId, r.Kind, severity, occurredAt, evidence,
            [.. r.RelatedPlayerIds], r.Summary);
        return true;
    }

    public static bool IsKindName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= AnomalyLimits.KindName && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>
    /// Why this evidence cannot be stored, or null. Besides size and syntax: PostgreSQL's jsonb refuses a NUL
    /// ("\u0000") and lone surrogates, so those are refused here by name instead of failing the insert.
    /// </summary>
    public static string? EvidenceProblem(string json)
    {
        if (Encoding.UTF8.GetByteCount(json) > AnomalyLimits.EvidenceBytes)
        {
            return $"must be at most {AnomalyLimits.EvidenceBytes} bytes of UTF-8";
        }
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = AnomalyLimits.EvidenceDepth });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "must be a JSON object";
            }
            return Storable(doc.RootElement) ? null : "must not contain \\u0000 or unpaired surrogates";
        }
        catch (JsonException e)
        {
            return $"is not JSON ({e.Message})";
        }
    }

    private static bool Storable(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (!StorableText(p.Name) || !Storable(p.Value))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    if (!Storable(item))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.String:
                try
                {
                    return StorableText(e.GetString()!);
                }
                catch (InvalidOperationException)
                {
                    return false; // an escape that decodes to invalid UTF-16
                }
            default:
                return true;
        }
    }

    private static bool StorableText(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Converts a kind as sent; every problem is added to <paramref name="v"/>.</summary>
    public static KindSpec ToKindSpec(this Violations v, string field, AnomalyKindSpec? k)
    {
        if (k is null)
        {
            v.Add(field, "is required");
            return new KindSpec("", "", AnomalySeverities.Medium, "", [], false);
        }
        if (!IsKindName(k.Name))
        {
            v.Add($"{field}.name", $"must be 1-{AnomalyLimits.KindName} of a-z, 0-9, _");
        }
        v.MaxLength($"{field}.display_name", k.DisplayName, AnomalyLimits.KindDisplayName)
            .MaxLength($"{field}.evidence_schema_hint", k.EvidenceSchemaHint, AnomalyLimits.EvidenceSchemaHint);
        var severity = AnomalySeverities.FromContract(k.DefaultSeverity);
        if (severity is null)
        {
            v.Add($"{field}.default_severity", "is required: low, medium, high or critical");
        }
        var rules = new List<AnomalyThresholdRule>();
        if (k.Thresholds.Count > AnomalyLimits.Thresholds)
        {
            v.Add($"{field}.thresholds", $"at most {AnomalyLimits.Thresholds}");
        }
        else
        {
            for (var i = 0; i < k.Thresholds.Count; i++)
            {
                if (v.ToThreshold($"{field}.thresholds[{i}]", k.Thresholds[i]) is { } rule)
                {
                    rules.Add(rule);
                }
            }
        }
        return new KindSpec(k.Name, k.DisplayName, severity ?? AnomalySeverities.Medium, k.EvidenceSchemaHint, rules, k.Active);
    }

    private static AnomalyThresholdRule? ToThreshold(this Violations v, string field, AnomalyThreshold t)
    {
        var ok = true;
        void Bad(string f, string why)
        {
            v.Add($"{field}.{f}", why);
            ok = false;
        }
        var minSeverity = AnomalySeverities.FromContract(t.MinSeverity);
        if (minSeverity is null && t.MinSeverity != AnomalySeverity.Unspecified)
        {
            Bad("min_severity", "is not a known severity");
        }
        if (t.Count is < 1 or > AnomalyLimits.ThresholdCount)
        {
            Bad("count", $"must be 1..{AnomalyLimits.ThresholdCount}");
        }
        var window = TimeSpan.Zero;
        if (t.Window is null)
        {
            Bad("window", "is required");
        }
        else if (new Violations().Duration("w", t.Window).Any)
        {
            Bad("window", "is not a valid duration");
        }
        else if ((window = t.Window.ToTimeSpan()) < AnomalyLimits.MinWindow || window > AnomalyLimits.MaxWindow)
        {
            Bad("window", $"must be {AnomalyLimits.MinWindow} .. {AnomalyLimits.MaxWindow.TotalDays:0} days");
        }
        var action = AnomalyActions.FromContract(t.Action);
        TimeSpan? ban = null;
        if (action is null)
        {
            Bad("action", "is required: open_case or temporary_ban");
        }
        else if (action == AnomalyActions.TemporaryBan)
        {
            if (t.BanDuration is null)
            {
                Bad("ban_duration", "is required for a temporary ban");
            }
            else if (new Violations().Duration("d", t.BanDuration).Any)
            {
                Bad("ban_duration", "is not a valid duration");
            }
            else if ((ban = t.BanDuration.ToTimeSpan()) < AnomalyLimits.MinBan || ban > AnomalyLimits.MaxBan)
            {
                Bad("ban_duration", $"must be {AnomalyLimits.MinBan} .. {AnomalyLimits.MaxBan.TotalDays:0} days");
            }
        }
        else if (t.BanDuration is not null)
        {
            Bad("ban_duration", "only a temporary ban takes a duration");
        }
        return ok ? new AnomalyThresholdRule(minSeverity, t.Count, window, action!, ban) : null;
    }
}
