using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>The one place that turns a refusal into a gRPC status, so every service answers alike.</summary>
public static class GrpcErrors
{
    public static RpcException InvalidArgument(string field, string description) =>
        InvalidArgument([new BadRequest.Types.FieldViolation { Field = field, Description = description }]);

    public static RpcException InvalidArgument(IReadOnlyCollection<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var message = "invalid argument: " + string.Join("; ", violations.Select(v => $"{v.Field} {v.Description}"));
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    public static RpcException NotFound(string what) => new(new global::Grpc.Core.Status(StatusCode.NotFound, what));

    public static RpcException AlreadyExists(string what) => new(new global::Grpc.Core.Status(StatusCode.AlreadyExists, what));

    public static RpcException FailedPrecondition(string why) => new(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, why));

    public static RpcException PermissionDenied(string why) => new(new global::Grpc.Core.Status(StatusCode.PermissionDenied, why));

    public static RpcException Unauthenticated(string why) => new(new global::Grpc.Core.Status(StatusCode.Unauthenticated, why));

    public static RpcException ResourceExhausted(string why) => new(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, why));

    public static RpcException Internal(string requestId) =>
        new(new global::Grpc.Core.Status(StatusCode.Internal, $"internal error (request id {requestId})"));
}
