using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Anomalies;

internal static class AnomalyKit
{
    public static async Task<AnomalyService.AnomalyServiceClient> AnomalyServerAsync(this ServerFixture fx, string gs, GmToolsFactory? replica = null) =>
        new((replica ?? fx.Server).Channel(await fx.GameServerCredentialAsync(gs)));

    public static AnomalyService.AnomalyServiceClient AnomalyStaff(this ServerFixture fx, string user, Role role = Role.Admin) =>
        new(fx.StaffChannel(user, role));

    public static AnomalyReportIn Report(string id, string player, string kind = "speed_hack", string evidence = """{"speed":42.5}""", DateTimeOffset? at = null) => new()
    {
        ReportId = id,
        PlayerId = player,
        Kind = kind,
        OccurredAt = Timestamp.FromDateTimeOffset(at ?? new DateTimeOffset(2026, 11, 23, 7, 59, 0, TimeSpan.Zero)),
        EvidenceJson = evidence,
    };

    public static AnomalyKindSpec Kind(string name, params AnomalyThreshold[] thresholds) => new()
    {
        Name = name,
        DisplayName = name.Replace('_', ' '),
        DefaultSeverity = AnomalySeverity.Medium,
        EvidenceSchemaHint = """{"speed":"number, metres a second"}""",
        Active = true,
        Thresholds = { thresholds },
    };

    /// <summary>Creates the kind once per fixture (an existing one is left as it is).</summary>
    public static async Task EnsureKindAsync(this ServerFixture fx, AnomalyKindSpec spec)
    {
        var admin = fx.AnomalyStaff("adm-kinds");
        var kinds = await admin.ListAnomalyKindsAsync(new ListAnomalyKindsRequest());
        if (kinds.Kinds.All(k => k.Spec.Name != spec.Name))
        {
            await admin.PutAnomalyKindAsync(new PutAnomalyKindRequest { Kind = spec, Note = "test kind" });
        }
    }
}
