namespace GmTools.Server.Security;

/// <summary>
/// Per-request facts that plain code needs (who is calling, the request id for the audit trail).
/// Filled by the access interceptor for gRPC calls; background jobs fill it with <see cref="Caller.System"/>.
/// </summary>
public sealed class RequestContext
{
    public Caller Caller { get; set; } = Caller.System;

    public string RequestId { get; set; } = Guid.NewGuid().ToString("N");
}
