using System.ComponentModel.DataAnnotations;

namespace GmTools.Console;

/// <summary>Section "GmTools:Console".</summary>
public sealed class ConsoleOptions
{
    public const string Section = "GmTools:Console";

    /// <summary>The GmTools gRPC server, e.g. http://127.0.0.1:5080 (h2c) or https://gmtools.internal.</summary>
    [Required]
    public string ServerAddress { get; set; } = "http://127.0.0.1:5080";

    /// <summary>UI culture when the staff member has chosen none and the browser asks for none we have.</summary>
    public string DefaultCulture { get; set; } = "zh-CN";

    /// <summary>IANA time zone for staff who have not chosen one.</summary>
    public string DefaultTimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>The reason codes offered in the sanction forms (the server's list is the authority).</summary>
    public List<string> ReasonCodes { get; set; } = [];

    public IReadOnlyList<string> EffectiveReasonCodes =>
        ReasonCodes.Count > 0 ? ReasonCodes : ["chat_abuse", "gold_selling", "cheating", "botting", "real_money_trade", "impersonation", "other"];

    /// <summary>How often an open campaign page reads GetCampaign while it expands, delivers or withdraws (real time).</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan CampaignPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deadline of one call to the server.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The live chat page keeps the newest this many lines in the browser; older ones fall off.</summary>
    [Range(20, 5_000)]
    public int ChatWatchMaxLines { get; set; } = 500;
}
