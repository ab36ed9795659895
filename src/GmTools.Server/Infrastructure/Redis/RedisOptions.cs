using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Redis;

/// <summary>Section "GmTools:Redis". The connection string itself is "ConnectionStrings:Redis".</summary>
public sealed class RedisOptions
{
    public const string Section = "GmTools:Redis";

    /// <summary>Prepended to every key and channel, so several deployments (or test classes) share one Redis.</summary>
    [MaxLength(64)]
    public string KeyPrefix { get; set; } = "gm:";
}
