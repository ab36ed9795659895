using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;

namespace GmTools.Server.Infrastructure.Grpc;

public enum StoreFailure
{
    /// <summary>Not a store failure we understand: a bug, answered INTERNAL.</summary>
    None,
    /// <summary>PostgreSQL or Redis cannot be reached (down, restarting, out of connections): UNAVAILABLE, worth retrying.</summary>
    Unavailable,
    /// <summary>A deadlock or serialization failure: the transaction lost a race and may simply run again.</summary>
    Conflict,
    /// <summary>A unique key another transaction committed meanwhile: run again (the second run sees it), else ALREADY_EXISTS.</summary>
    UniqueRace,
}

/// <summary>What an exception from PostgreSQL or Redis means for the caller. Pure: unit-tested without a network.</summary>
public static class StoreFailures
{
    public static StoreFailure Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return ClassifySqlState(pg.SqlState);
                case NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException:
                    return StoreFailure.Unavailable;
                case RedisConnectionException or RedisTimeoutException:
                    return StoreFailure.Unavailable;
                case SocketException:
                    return StoreFailure.Unavailable;
            }
        }
        return StoreFailure.None;
    }

    public static StoreFailure ClassifySqlState(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => StoreFailure.Conflict,
        PostgresErrorCodes.UniqueViolation => StoreFailure.UniqueRace,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ConfigurationLimitExceeded
            or PostgresErrorCodes.ReadOnlySqlTransaction => StoreFailure.Unavailable,
        // Class 08: connection exceptions; class 53: insufficient resources (disk full, out of memory).
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal) => StoreFailure.Unavailable,
        _ => StoreFailure.None,
    };
}
