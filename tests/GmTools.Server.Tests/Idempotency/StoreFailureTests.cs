using GmTools.Server.Infrastructure.Grpc;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using StackExchange.Redis;

namespace GmTools.Server.Tests.Idempotency;

/// <summary>The pure classification behind the interceptor's status codes, and the edge checks of wire times.</summary>
public sealed class StoreFailureTests
{
    private static PostgresException Pg(string state) => new("test", "ERROR", "ERROR", state);

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure, StoreFailure.Conflict)]
    [InlineData(PostgresErrorCodes.DeadlockDetected, StoreFailure.Conflict)]
    [InlineData(PostgresErrorCodes.UniqueViolation, StoreFailure.UniqueRace)]
    [InlineData(PostgresErrorCodes.AdminShutdown, StoreFailure.Unavailable)]
    [InlineData(PostgresErrorCodes.CannotConnectNow, StoreFailure.Unavailable)]
    [InlineData(PostgresErrorCodes.TooManyConnections, StoreFailure.Unavailable)]
    [InlineData("08006", StoreFailure.Unavailable)]
    [InlineData("53100", StoreFailure.Unavailable)]
    [InlineData(PostgresErrorCodes.SyntaxError, StoreFailure.None)]
    [InlineData(PostgresErrorCodes.ForeignKeyViolation, StoreFailure.None)]
    public void Postgres_errors_are_classified_by_sql_state(string state, StoreFailure expected)
    {
        Assert.Equal(expected, StoreFailures.Classify(Pg(state)));
        // EF wraps what the provider threw; the cause decides, however deep.
        Assert.Equal(expected, StoreFailures.Classify(new InvalidOperationException("outer", new Exception("middle", Pg(state)))));
    }

    [Fact]
    public void Lost_connections_and_redis_outages_are_unavailable_and_bugs_are_not()
    {
        Assert.Equal(StoreFailure.Unavailable, StoreFailures.Classify(new NpgsqlException("pool exhausted", new TimeoutException())));
        Assert.Equal(StoreFailure.Unavailable, StoreFailures.Classify(new NpgsqlException("broken", new System.Net.Sockets.SocketException(111))));
        Assert.Equal(StoreFailure.Unavailable, StoreFailures.Classify(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "down")));
        Assert.Equal(StoreFailure.Unavailable, StoreFailures.Classify(new RedisTimeoutException(CommandFlags.None, "slow", CommandStatus.Sent)));
        Assert.Equal(StoreFailure.None, StoreFailures.Classify(new NullReferenceException()));
        Assert.Equal(StoreFailure.None, StoreFailures.Classify(new ArgumentOutOfRangeException("x")));
    }

    [Fact]
    public void Wire_times_out_of_range_or_unnormalized_are_named_by_field()
    {
        static string[] Fields(Violations v)
        {
            try
            {
                v.ThrowIfAny();
                return [];
            }
            catch (RpcException ex)
            {
                return ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(f => f.Field).ToArray();
            }
        }
        var tenThousandYears = new Duration { Seconds = 315_576_000_000 };
        var unnormalized = new Duration { Seconds = 5, Nanos = -1 };
        var pastYear9999 = new Timestamp { Seconds = 253_402_300_800 };
        var beforeYear1 = new Timestamp { Seconds = -62_135_596_801 };
        Assert.Equal(["a", "b", "c", "d"], Fields(new Violations().Duration("a", tenThousandYears).Duration("b", unnormalized).Timestamp("c", pastYear9999).Timestamp("d", beforeYear1)));
        Assert.Empty(Fields(new Violations().Duration("a", new Duration { Seconds = 3600 }).Timestamp("b", Timestamp.FromDateTime(DateTime.UtcNow)).Timestamp("c", null).Duration("d", null)));
    }
}
