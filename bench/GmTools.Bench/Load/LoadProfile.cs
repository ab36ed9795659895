namespace GmTools.Bench.Load;

/// <summary>The sizes of one run of the load verb.</summary>
/// <param name="Seconds">Length of each measured path.</param>
/// <param name="Players">Distinct players CheckAccess is asked about (every tenth muted, every hundredth banned).</param>
/// <param name="HotPlayers">The hot set: players asked about again and again.</param>
/// <param name="GameServers">Simulated game servers, each with its own credential and HTTP/2 connection.</param>
/// <param name="Callers">Concurrent CheckAccess callers, spread over the game servers.</param>
/// <param name="Staff">Concurrent staff members muting players (and pgbench clients for the baseline).</param>
/// <param name="CopyRows">Grant-shaped rows in the raw binary COPY baseline.</param>
/// <param name="PgbenchScale">pgbench -i scale.</param>
/// <param name="RedisRequests">redis-benchmark -n.</param>
/// <param name="NamePlayers">Players loaded (binary COPY) for the name search rows: the target is stated for 10,000,000.</param>
/// <param name="RecallTargets">Target players of the fuzzy recall set (a one-typo query each, two-typo for names of 6+).</param>
public sealed record LoadProfile(string Name, int Seconds, int Players, int HotPlayers, int GameServers, int Callers, int Staff,
    int CopyRows, int PgbenchScale, int RedisRequests, int NamePlayers, int RecallTargets)
{
    /// <summary>Under 10 minutes on 2 cores.</summary>
    public static readonly LoadProfile Quick = new("quick", 10, 100_000, 1_000, 20, 64, 16, 1_000_000, 10, 200_000, 500_000, 400);

    public static readonly LoadProfile Full = new("full", 30, 100_000, 1_000, 100, 64, 16, 1_000_000, 16, 1_000_000, 10_000_000, 1_000);

    /// <summary>The test suite's smoke run: every row gets a figure, none of them means anything.</summary>
    public static readonly LoadProfile Tiny = new("tiny", 1, 2_000, 100, 3, 8, 2, 5_000, 1, 2_000, 5_000, 40);

    public static LoadProfile Named(string name) => name switch
    {
        "quick" => Quick,
        "full" => Full,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"unknown profile '{name}' (quick, full, tiny)", nameof(name)),
    };
}
