using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Redis;

/// <summary>Section "GmTools:Redis". The connection string itself is "ConnectionStrings:Redis".</summary>
public sealed class RedisOptions
{
    public const string Section = "GmTools:Redis";

    /// <summary>
    /// Prepended to every key and channel, so several deployments (or test classes) share one Redis. No braces: a
    /// hash tag in the prefix would put every key on one Redis Cluster slot (see <see cref="RedisKeys"/>).
    /// </summary>
    [MaxLength(64)]
    [RegularExpression(@"^[^{}]*$", ErrorMessage = "GmTools:Redis:KeyPrefix must not contain '{{' or '}}' (a hash tag would put every key on one cluster slot)")]
    public string KeyPrefix { get; set; } = "gm:";
}
