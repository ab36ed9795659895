using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>Section "GmTools:Grpc". Explicit message-size limits; per-RPC batch and string limits live with each RPC.</summary>
public sealed class GrpcLimitsOptions
{
    public const string Section = "GmTools:Grpc";

    [Range(1024, int.MaxValue)]
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;
    [Range(1024, int.MaxValue)]
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;
    public bool EnableReflection { get; set; } = true;
}
