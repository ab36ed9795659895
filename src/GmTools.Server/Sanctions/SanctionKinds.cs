using GmTools.Contracts.V1;

namespace GmTools.Server.Sanctions;

/// <summary>The stored names of sanction kinds ("mute", "ban", "kick") and their contract enum.</summary>
public static class SanctionKinds
{
    public const string Mute = "mute";
    public const string Ban = "ban";
    public const string Kick = "kick";

    public static string? FromContract(SanctionKind kind) => kind switch
    {
        SanctionKind.Mute => Mute,
        SanctionKind.Ban => Ban,
        SanctionKind.Kick => Kick,
        _ => null,
    };

    public static SanctionKind ToContract(string kind) => kind switch
    {
        Mute => SanctionKind.Mute,
        Ban => SanctionKind.Ban,
        Kick => SanctionKind.Kick,
        _ => SanctionKind.Unspecified,
    };
}
