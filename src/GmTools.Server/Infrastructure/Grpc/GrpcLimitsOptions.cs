using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Section "GmTools:Grpc". Explicit message-size limits and the global string bound of the edge guard;
/// per-RPC batch and string limits live with each RPC.
/// </summary>
public sealed class GrpcLimitsOptions
{
    public const string Section = "GmTools:Grpc";

    [Range(1024, int.MaxValue)]
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;
    [Range(1024, int.MaxValue)]
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;
    public bool EnableReflection { get; set; } = true;

    /// <summary>
    /// No string in any request may be longer (in UTF-16 code units); generous on purpose, since each RPC
    /// bounds its own fields tighter. See <see cref="EdgeGuardInterceptor"/>.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxStringLength { get; set; } = 65_536;
}
