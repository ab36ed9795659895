using GmTools.Contracts.V1;

namespace GmTools.Server.Anomalies;

/// <summary>Stored severity names, in rising order, and their rank (a threshold counts reports at or above its minimum).</summary>
public static class AnomalySeverities
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Critical = "critical";

    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Critical];

    /// <summary>1 (low) .. 4 (critical); 0 for anything else.</summary>
    public static int Rank(string? severity) => severity switch
    {
        Low => 1,
        Medium => 2,
        High => 3,
        Critical => 4,
        _ => 0,
    };

    public static string? FromContract(AnomalySeverity s) => s switch
    {
        AnomalySeverity.Low => Low,
        AnomalySeverity.Medium => Medium,
        AnomalySeverity.High => High,
        AnomalySeverity.Critical => Critical,
        _ => null,
    };

    public static AnomalySeverity ToContract(string? s) => s switch
    {
        Low => AnomalySeverity.Low,
        Medium => AnomalySeverity.Medium,
        High => AnomalySeverity.High,
        Critical => AnomalySeverity.Critical,
        _ => AnomalySeverity.Unspecified,
    };
}

/// <summary>Stored names of what a crossed threshold does.</summary>
public static class AnomalyActions
{
    public const string OpenCase = "open_case";
    public const string TemporaryBan = "temporary_ban";

    public static string? FromContract(AnomalyAction a) => a switch
    {
        AnomalyAction.OpenCase => OpenCase,
        AnomalyAction.TemporaryBan => TemporaryBan,
        _ => null,
    };

    public static AnomalyAction ToContract(string? a) => a switch
    {
        OpenCase => AnomalyAction.OpenCase,
        TemporaryBan => AnomalyAction.TemporaryBan,
        _ => AnomalyAction.Unspecified,
    };
}
