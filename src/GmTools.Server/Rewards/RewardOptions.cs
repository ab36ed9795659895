using System.ComponentModel.DataAnnotations;
using GmTools.Server.Security;

namespace GmTools.Server.Rewards;

/// <summary>Section "GmTools:Rewards". Values are in the smallest currency unit (cents/fen).</summary>
public sealed class RewardOptions
{
    public const string Section = "GmTools:Rewards";

    [Range(1, 10_000)]
    public int MaxPlayersPerGrant { get; set; } = 100;

    [Range(1, 100)]
    public int MaxLinesPerGrant { get; set; } = 20;

    [Range(1, long.MaxValue)]
    public long MaxCountPerLine { get; set; } = 1_000_000;

    /// <summary>Mail not delivered by then is dropped by GameLink (state "expired"). Zero: never expires.</summary>
    public TimeSpan MailExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Per role: what a member may grant without anyone's approval. A caller gets the most generous limit
    /// among their roles; a role not listed may grant nothing without approval.
    /// </summary>
    public Dictionary<string, RoleRewardLimit> Limits { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(Role.Agent)] = new() { PerGrant = 10_000, PerDay = 50_000 },
        [nameof(Role.Supervisor)] = new() { PerGrant = 100_000, PerDay = 1_000_000 },
        [nameof(Role.Admin)] = new() { PerGrant = 1_000_000, PerDay = 10_000_000 },
    };

    public CampaignOptions Campaigns { get; set; } = new();

    public RoleRewardLimit LimitFor(Caller caller)
    {
        var best = new RoleRewardLimit();
        foreach (var role in caller.Roles)
        {
            if (Limits.TryGetValue(role.ToString(), out var limit))
            {
                best = new RoleRewardLimit { PerGrant = Math.Max(best.PerGrant, limit.PerGrant), PerDay = Math.Max(best.PerDay, limit.PerDay) };
            }
        }
        return best;
    }
}

public sealed class RoleRewardLimit
{
    public long PerGrant { get; set; }

    public long PerDay { get; set; }
}

public sealed class CampaignOptions
{
    /// <summary>Recipients written per transaction by the expansion job.</summary>
    [Range(1, 1_000_000)]
    public int ChunkSize { get; set; } = 20_000;

    [Range(1, 100_000)]
    public int MaxPlayersPerUpload { get; set; } = 10_000;

    /// <summary>Recipients whose mail one background cancel transaction withdraws: small enough that acks and pulls never wait long on it.</summary>
    [Range(1, 100_000)]
    public int CancelChunkSize { get; set; } = 5_000;

    /// <summary>PreviewCampaign calls running at once per replica; one more is answered RESOURCE_EXHAUSTED.</summary>
    [Range(1, 64)]
    public int MaxConcurrentPreviews { get; set; } = 2;

    /// <summary>A preview's count is cancelled after this long (statement timeout) and answered RESOURCE_EXHAUSTED.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PreviewTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often WatchCampaign looks at the counters (one small read per watcher per interval).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The expansion trigger repeats at this interval until the campaign is expanded, so a replica that dies
    /// mid-expansion is replaced by whichever replica fires next, resuming from the stored cursor.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Test hook: this replica stops expanding after so many chunks in its lifetime, as if it had died
    /// mid-expansion. Zero (the default) means no limit. Never set in production.
    /// </summary>
    public int StopAfterChunks { get; set; }
}
