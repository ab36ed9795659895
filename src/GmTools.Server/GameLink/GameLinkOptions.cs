namespace GmTools.Server.GameLink;

/// <summary>Section "GmTools:GameLink". Intervals follow the host's TimeProvider, so tests move them with the clock.</summary>
public sealed class GameLinkOptions
{
    public const string Section = "GmTools:GameLink";

    /// <summary>Both sides send a heartbeat this often.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A stream that sent nothing for this many heartbeat intervals is closed as dead.</summary>
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>A command sent but not acknowledged for this long is sent again.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The safety net under Redis pub/sub: this often the replica renews its one lease row and asks PostgreSQL, in
    /// one query for all its streams, which have commands after their cursor, so a lost notification (or Redis
    /// down) delays a command by at most this much. Idle streams cost nothing else.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Commands read from PostgreSQL (and returned by a pull) at once.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>Commands sent on one stream and not yet acknowledged, at most; a slow game server is not flooded.</summary>
    public int MaxInFlight { get; set; } = 5000;

    /// <summary>This replica's name in ListGameLinks; default: host name, process id and a random suffix.</summary>
    public string? ReplicaId { get; set; }

    public TimeSpan DeadAfter => HeartbeatInterval * MissedHeartbeats;

    /// <summary>A stream lease not renewed for this long belongs to a replica that died.</summary>
    public TimeSpan LeaseStaleAfter => SweepInterval * 3 > DeadAfter ? SweepInterval * 3 : DeadAfter;

    public IEnumerable<string> Problems()
    {
        if (HeartbeatInterval <= TimeSpan.Zero) yield return "HeartbeatInterval must be positive";
        if (MissedHeartbeats < 2) yield return "MissedHeartbeats must be at least 2";
        if (AckTimeout <= TimeSpan.Zero) yield return "AckTimeout must be positive";
        if (SweepInterval <= TimeSpan.Zero) yield return "SweepInterval must be positive";
        if (MaxBatch is < 1 or > 1000) yield return "MaxBatch must be 1..1000";
        if (MaxInFlight < MaxBatch) yield return "MaxInFlight must be at least MaxBatch";
    }
}
