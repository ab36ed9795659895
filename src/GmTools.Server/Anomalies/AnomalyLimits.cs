namespace GmTools.Server.Anomalies;

/// <summary>Every bound of anomaly reports, used by both the edge validation and the EF configuration.</summary>
public static class AnomalyLimits
{
    /// <summary>A game server's own report id (unique per game server).</summary>
    public const int ReportId = 64;
    public const int KindName = 32;
    public const int KindDisplayName = 100;
    public const int EvidenceSchemaHint = 4000;
    public const int Thresholds = 10;
    public const int ThresholdCount = 1000;
    public const int Note = 1000;
    /// <summary>Bytes of one report's evidence as UTF-8 JSON.</summary>
    public const int EvidenceBytes = 8192;
    /// <summary>How deep the evidence JSON may nest.</summary>
    public const int EvidenceDepth = 32;
    public const int RelatedPlayers = 20;
    public const int Summary = 200;
    /// <summary>Reports in one ReportAnomalies call.</summary>
    public const int BatchReports = 500;
    /// <summary>Stored severity, action and state names.</summary>
    public const int Name = 16;
    /// <summary>Reports one policy decision or one case view takes at most.</summary>
    public const int CaseReports = 500;
    /// <summary>A case's trigger description.</summary>
    public const int Trigger = 100;

    public static readonly TimeSpan MinWindow = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);
    public static readonly TimeSpan MinBan = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxBan = TimeSpan.FromDays(365);
}
