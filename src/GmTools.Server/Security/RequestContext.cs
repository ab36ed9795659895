namespace GmTools.Server.Security;

/// <summary>
/// Per-request facts that plain code needs (who is calling, the request id for the audit trail).
/// Filled by the access interceptor for gRPC calls; background jobs fill it with <see cref="Caller.System"/>.
/// </summary>
public sealed class RequestContext
{
    public Caller Caller { get; set; } = Caller.System;

    private string? _requestId;

    /// <summary>Made on first use: the access gate sets it on every call, so a default made in the constructor was a second Guid a call.</summary>
    public string RequestId
    {
        get => _requestId ??= Guid.NewGuid().ToString("N");
        set => _requestId = value;
    }
}
