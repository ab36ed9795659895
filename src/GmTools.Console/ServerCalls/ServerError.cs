using Google.Rpc;
using Grpc.Core;

namespace GmTools.Console.ServerCalls;

/// <summary>
/// What a refused call tells the staff member: the status, the server's own reason, and the fields it
/// named (google.rpc.BadRequest). Never an exception's stack.
/// </summary>
public sealed record ServerError(StatusCode Code, string Message, IReadOnlyList<BadRequest.Types.FieldViolation> Violations)
{
    public static ServerError From(RpcException ex)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        try
        {
            var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
            if (badRequest is not null)
            {
                violations.AddRange(badRequest.FieldViolations);
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // A malformed detail is ignored: the status and its message still say what happened.
        }
        var message = ex.StatusCode switch
        {
            StatusCode.Unavailable when string.IsNullOrWhiteSpace(ex.Status.Detail) || ex.Status.DebugException is not null => "",
            StatusCode.DeadlineExceeded => "",
            _ => ex.Status.Detail ?? "",
        };
        return new ServerError(ex.StatusCode, message, violations);
    }

    /// <summary>The resource key of the headline for this status.</summary>
    public string TitleKey => Code switch
    {
        StatusCode.InvalidArgument => "Error_InvalidArgument",
        StatusCode.NotFound => "Error_NotFound",
        StatusCode.AlreadyExists => "Error_AlreadyExists",
        StatusCode.PermissionDenied => "Error_PermissionDenied",
        StatusCode.FailedPrecondition => "Error_FailedPrecondition",
        StatusCode.ResourceExhausted => "Error_ResourceExhausted",
        StatusCode.Unauthenticated => "Error_Unauthenticated",
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => "Error_Unavailable",
        _ => "Error_Other",
    };
}
