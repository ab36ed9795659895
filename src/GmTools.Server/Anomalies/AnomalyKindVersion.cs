using System.Text.Json;
using GmTools.Server.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Anomalies;

/// <summary>A threshold of a kind: <see cref="Count"/> reports at or above <see cref="MinSeverity"/> within <see cref="Window"/>.</summary>
public sealed record AnomalyThresholdRule(string? MinSeverity, int Count, TimeSpan Window, string Action, TimeSpan? BanDuration);

/// <summary>
/// One version of an anomaly kind. Versions are never changed; the highest one of a name is in force, and each
/// report records the version it was checked against.
/// </summary>
public sealed class AnomalyKindVersion
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name { get; set; } = "";
    public long Version { get; set; }
    public string DisplayName { get; set; } = "";
    public string DefaultSeverity { get; set; } = AnomalySeverities.Medium;
    public string EvidenceSchemaHint { get; set; } = "";
    /// <summary><see cref="AnomalyThresholdRule"/>s as JSON.</summary>
    public string Thresholds { get; set; } = "[]";
    public bool Active { get; set; }
    public string ChangedBy { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
    public string Note { get; set; } = "";

    /// <summary>
    /// The thresholds, parsed once per <see cref="Thresholds"/> text: intake asks for every report of a batch, and the
    /// kinds in force are one shared copy per replica (<see cref="AnomalyKindBook"/>), so parsing on each call cost
    /// hundreds of JSON reads per batch.
    /// </summary>
    public IReadOnlyList<AnomalyThresholdRule> ThresholdRules
    {
        get
        {
            var text = Thresholds;
            if (_parsed is { } p && ReferenceEquals(p.From, text))
            {
                return p.Rules;
            }
            var rules = (JsonSerializer.Deserialize<List<AnomalyThresholdRule>>(text, Json) ?? []).AsReadOnly();
            _parsed = new ParsedThresholds(text, rules);
            return rules;
        }
    }

    private sealed record ParsedThresholds(string From, IReadOnlyList<AnomalyThresholdRule> Rules);

    private ParsedThresholds? _parsed;

    public static string ThresholdsJson(IEnumerable<AnomalyThresholdRule> rules) => JsonSerializer.Serialize(rules.ToList(), Json);
}

internal sealed class AnomalyKindVersionConfiguration : IEntityTypeConfiguration<AnomalyKindVersion>
{
    public void Configure(EntityTypeBuilder<AnomalyKindVersion> b)
    {
        b.ToTable("anomaly_kind_versions");
        b.HasKey(k => new { k.Name, k.Version });
        b.Property(k => k.Name).HasMaxLength(AnomalyLimits.KindName);
        b.Property(k => k.DisplayName).HasMaxLength(AnomalyLimits.KindDisplayName);
        b.Property(k => k.DefaultSeverity).HasMaxLength(AnomalyLimits.Name);
        b.Property(k => k.EvidenceSchemaHint).HasMaxLength(AnomalyLimits.EvidenceSchemaHint);
        b.Property(k => k.Thresholds).HasColumnType("jsonb");
        b.Property(k => k.ChangedBy).HasMaxLength(CommonLimits.ActorId);
        b.Property(k => k.Note).HasMaxLength(AnomalyLimits.Note);
        b.Ignore(k => k.ThresholdRules);
    }
}
