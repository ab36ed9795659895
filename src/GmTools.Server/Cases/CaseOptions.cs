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
