using System.Globalization;
using System.Text.Json;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.Players;

public enum PlayerSearchMode
{
    PlayerId,
    Account,
    NamePrefix,
    NameFuzzy,
}

/// <param name="GameServers">null: every game server; otherwise only these (an empty list finds nothing).</param>
/// <param name="After">The cursor of the previous page's last row, or null for the first page.</param>
/// <param name="FuzzyThreshold">Least pg_trgm similarity a fuzzy match more than two edits from the query needs (closer ones always match).</param>
public sealed record PlayerQuery(PlayerSearchMode Mode, string Text, IReadOnlyList<string>? GameServers, int PageSize,
    PlayerCursor? After = null, float FuzzyThreshold = PlayerQuery.DefaultFuzzyThreshold, int FuzzyTimeoutMs = PlayerQuery.DefaultFuzzyTimeoutMs)
{
    // 0.2, not pg_trgm's 0.3: ranking bounded candidates costs the same at any floor, and at 0.2 one typo in a short
    // name (e.g. a two-character CJK name) still matches; the page is best first, so weak matches come last.
    public const float DefaultFuzzyThreshold = 0.2f;
    public const float DefaultFuzzyThresholdCap = 0.2f;
    public const int DefaultFuzzyTimeoutMs = 3000;

    /// <summary>
    /// The similarity a fuzzy search asks for, by query length. One typo breaks up to three of a name's n
    /// trigrams, leaving a similarity of about (n-3)/(n+3): short names need a loose floor to survive one typo,
    /// long ones keep one typo well above 0.5, so a deployment may ask long queries for more (FuzzyThresholdCap).
    /// </summary>
    public static float ThresholdFor(string text, float floor = DefaultFuzzyThreshold, float cap = DefaultFuzzyThresholdCap)
    {
        var n = text.Length + 1; // a one-word name of L characters has L+1 padded trigrams (pg_trgm pads 2 before, 1 after)
        return Math.Clamp((n - 3f) / (n + 3f), floor, Math.Max(floor, cap));
    }
}

/// <summary>Where a page ended: the sort key of its last row. Fuzzy pages sort by score, the others by name key or id.</summary>
public sealed record PlayerCursor(string PlayerId, string? NameKey = null, float? Score = null);

public sealed record PlayerPage(IReadOnlyList<Player> Players, PlayerCursor? Next);

/// <summary>
/// The lookups staff run, as plain SQL over <see cref="NpgsqlDataSource"/> so the benchmark measures exactly
/// what the service runs. Every query is keyset-paged on an index order (no OFFSET), so page 1000 costs what
/// page 1 costs.
/// <list type="bullet">
/// <item>Prefix: range scan on the btree (character_name_key COLLATE "C", player_id). character_name_key is
/// lower(character_name), so the prefix is case-insensitive; byte order makes the range exact for CJK too.</item>
/// <item>Fuzzy: candidate keys from the typo index (<see cref="PlayerNameVariant"/>: every name within one edit)
/// and from the names next to the query that share its first or last half (btrees on the name key and on its
/// reverse), ranked by edit distance then trigram similarity, best first.</item>
/// </list>
/// </summary>
/// <para>Searches go to the read replica while it is within its staleness bound (<see cref="ReadReplica"/>); a replica
/// that cannot be reached is taken out and the search runs on the primary. <see cref="GetAsync"/> always reads the
/// primary: write paths use it.</para>
public sealed class PlayerSearch(NpgsqlDataSource dataSource, ReadReplica? reads = null)
{
    /// <summary>
    /// Window candidates taken on each side of the query in each of the two name orders (so up to 4x this many):
    /// names sharing the query's first or last half, for two typos in the other half.
    /// </summary>
    internal const int FuzzyWindow = 1000;

    /// <summary>Window candidates whose length differs from the query's by more than this are dropped.</summary>
    internal const int FuzzyLengthSlack = 2;

    /// <summary>
    /// Queries up to this long also probe the typo index for two typos: with their two-deletion variants (about
    /// L²/2 probes; names two edits away that are one or two characters shorter than the query) and with their
    /// second halves' variants (about 15 x L/2 probes; one typo in each half).
    /// </summary>
    internal const int FuzzyTwoEditLength = 24;

    /// <summary>At most this many keys come from the typo index (a bound for one- and two-character queries).</summary>
    internal const int FuzzyMaxKeys = 5000;

    /// <summary>Ranked keys asked for per page statement; a page needing more keys (few players each) asks again.</summary>
    internal const int FuzzyPageKeys = 256;

    internal const string Columns = """
        player_id, account, game_server_id, character_name, level, vip_points, recharge_total, last_login_at,
        contact, online, version, synced_at, character_name_key
        """;

    public async Task<Player?> GetAsync(string playerId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM players WHERE player_id = @q");
        cmd.Parameters.Add(new NpgsqlParameter<string>("q", playerId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<PlayerPage> SearchAsync(PlayerQuery query, CancellationToken ct)
    {
        if (query.GameServers is { Count: 0 })
        {
            return new PlayerPage([], null);
        }
        // One server is an equality, so the (game_server_id, name key, player id) index serves it in order;
        // "= ANY(array)" would not, even with one element.
        var serverFilter = query.GameServers switch
        {
            null => "",
            { Count: 1 } => "AND game_server_id = @server",
            _ => "AND game_server_id = ANY(@servers)",
        };
        if (query.Mode == PlayerSearchMode.NameFuzzy)
        {
            return await FuzzyAsync(query, serverFilter, ct);
        }
        var after = query.After;
        var sql = query.Mode switch
        {
            PlayerSearchMode.PlayerId => $"SELECT {Columns} FROM players WHERE player_id = @q {serverFilter} LIMIT 1",
            PlayerSearchMode.Account => $"""
                SELECT {Columns} FROM players
                WHERE account = @q {serverFilter} {(after is null ? "" : "AND player_id > @after_id")}
                ORDER BY player_id LIMIT @limit
                """,
            PlayerSearchMode.NamePrefix => $"""
                SELECT {Columns} FROM players
                WHERE character_name_key >= lower(@q) AND character_name_key < lower(@q) || chr(1114111) {serverFilter}
                  {(after is null ? "" : "AND (character_name_key, player_id) > (@after_key, @after_id)")}
                ORDER BY character_name_key, player_id LIMIT @limit
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(query)),
        };

        await using var cmd = new NpgsqlCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<string>("q", query.Text));
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", query.PageSize + 1));
        AddServers(cmd, query);
        if (after is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<string>("after_id", after.PlayerId));
            cmd.Parameters.Add(new NpgsqlParameter<string>("after_key", after.NameKey ?? ""));
            cmd.Parameters.Add(new NpgsqlParameter<float>("after_score", after.Score ?? 0));
        }

        var source = reads?.ReadSource() ?? dataSource;
        try
        {
            return await RunAsync(cmd, source, query, ct);
        }
        catch (Exception ex) when (source != dataSource && StoreFailures.Classify(ex) == StoreFailure.Unavailable && !ct.IsCancellationRequested)
        {
            // The replica went away under the search: take it out and answer from the primary.
            reads!.Failed(ex);
            return await RunAsync(cmd, dataSource, query, ct);
        }
    }

    private static async Task<PlayerPage> RunAsync(NpgsqlCommand cmd, NpgsqlDataSource source, PlayerQuery query, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        cmd.Connection = connection;
        var players = new List<Player>(query.PageSize + 1);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                players.Add(Read(reader));
            }
        }
        if (players.Count <= query.PageSize || query.Mode == PlayerSearchMode.PlayerId)
        {
            return new PlayerPage(players, null);
        }
        players.RemoveAt(players.Count - 1);
        var last = players[^1];
        return new PlayerPage(players, new PlayerCursor(last.PlayerId, last.CharacterNameKey));
    }

    private static void AddServers(NpgsqlCommand cmd, PlayerQuery query)
    {
        if (query.GameServers is { Count: 1 })
        {
            cmd.Parameters.Add(new NpgsqlParameter<string>("server", query.GameServers[0]));
        }
        else if (query.GameServers is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter("servers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = query.GameServers.ToArray() });
        }
    }

    // Candidates: every name key sharing a deletion variant with the query or with one of the query's own deletion
    // variants (player_name_variants: all names within one edit, and those within two that are one or two characters
    // shorter than the query), every key of 6+ characters with the query's first character whose second half is
    // within one edit of the query's (for every length the name may have: two typos, one in each half), and the names next to the query in key order and in reversed-key order that share its
    // first or last half (two typos in one half; up to 4 x FuzzyWindow index-only entries). All bounded btree work.
    // Statement 1 also sets the transaction's statement timeout and returns the query's key as PostgreSQL lower-cases it.
    private static string CandidatesSql(string serverFilter) => $"""
        SELECT set_config('statement_timeout', @timeout, true), lower(@q);
        (SELECT name_key FROM player_name_variants
         WHERE variant = ANY(ARRAY(
             SELECT DISTINCT v2 FROM player_name_key_variants(lower(@q)) AS v1 CROSS JOIN LATERAL player_name_key_variants(v1) AS v2
             WHERE v1 = lower(@q) OR char_length(lower(@q)) <= @two_edit_length
             UNION
             -- second-half keys (player_name_index_keys) of every name length within 2 of the query's, with that
             -- half one character shorter, as long or longer in the query
             SELECT chr(1) || left(lower(@q), 1) || chr(len) || v
             FROM generate_series(greatest(char_length(lower(@q)) - 2, 6), char_length(lower(@q)) + 2) AS len
             CROSS JOIN generate_series(-1, 1) AS shift
             CROSS JOIN LATERAL player_name_key_variants(right(lower(@q), len - len / 2 + shift)) AS v
             WHERE len - len / 2 + shift BETWEEN 2 AND char_length(lower(@q)) - 1 AND char_length(lower(@q)) <= @two_edit_length))
         LIMIT @max_keys)
        UNION
        SELECT character_name_key FROM (
            (SELECT character_name_key FROM players
             WHERE character_name_key >= lower(@q) AND character_name_key < left(lower(@q), char_length(@q) / 2) || chr(1114111) {serverFilter}
             ORDER BY character_name_key, player_id LIMIT @window)
            UNION ALL
            (SELECT character_name_key FROM players
             WHERE character_name_key < lower(@q) AND character_name_key >= left(lower(@q), char_length(@q) / 2) {serverFilter}
             ORDER BY character_name_key DESC, player_id DESC LIMIT @window)
            UNION ALL
            (SELECT character_name_key FROM players
             WHERE reverse(character_name_key) >= reverse(lower(@q))
               AND reverse(character_name_key) < reverse(right(lower(@q), char_length(@q) - char_length(@q) / 2 - 1)) || chr(1114111) {serverFilter}
             ORDER BY reverse(character_name_key), player_id LIMIT @window)
            UNION ALL
            (SELECT character_name_key FROM players
             WHERE reverse(character_name_key) < reverse(lower(@q))
               AND reverse(character_name_key) >= reverse(right(lower(@q), char_length(@q) - char_length(@q) / 2 - 1)) {serverFilter}
             ORDER BY reverse(character_name_key) DESC, player_id DESC LIMIT @window)) w
        WHERE abs(char_length(character_name_key) - char_length(@q)) <= @length_slack
        """;

    // The page: players holding the ranked keys, best score first, keyset-paged on (score, player id); only the
    // page's rows are read from the heap.
    private static string PageSql(string serverFilter, bool after) => $"""
        WITH top AS (
            SELECT p.player_id, k.score FROM unnest(@keys, @scores) AS k(name_key, score)
            JOIN players p ON p.character_name_key = k.name_key
            WHERE true {serverFilter} {(after ? "AND (k.score < @after_score OR (k.score = @after_score AND p.player_id > @after_id))" : "")}
            ORDER BY k.score DESC, p.player_id LIMIT @limit)
        SELECT {Columns}, top.score FROM top JOIN players USING (player_id)
        ORDER BY top.score DESC, player_id
        """;

    /// <summary>
    /// Fuzzy name search: candidate keys from the typo index and the name-order windows, ranked here by edit
    /// distance then trigram similarity (<see cref="NameDistance"/>); names within two edits always match, further
    /// ones need the query's similarity threshold. Both statements run in one transaction under its statement timeout.
    /// </summary>
    private async Task<PlayerPage> FuzzyAsync(PlayerQuery query, string serverFilter, CancellationToken ct)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var (key, candidates) = await FuzzyCandidatesAsync(connection, query, serverFilter, ct);
            var ranked = Rank(key, candidates, query.FuzzyThreshold, query.After?.Score);
            var players = new List<(Player Player, float Score)>(query.PageSize + 1);
            var after = query.After;
            for (var from = 0; from < ranked.Count && players.Count <= query.PageSize;)
            {
                // Chunks end between two scores, so (score, player id) order holds across them.
                var to = Math.Min(ranked.Count, from + FuzzyPageKeys);
                while (to < ranked.Count && ranked[to].Score == ranked[to - 1].Score)
                {
                    to++;
                }
                await using var cmd = new NpgsqlCommand(PageSql(serverFilter, after is not null), connection);
                cmd.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ranked.Skip(from).Take(to - from).Select(r => r.Key).ToArray() });
                cmd.Parameters.Add(new NpgsqlParameter("scores", NpgsqlDbType.Array | NpgsqlDbType.Real) { Value = ranked.Skip(from).Take(to - from).Select(r => r.Score).ToArray() });
                cmd.Parameters.Add(new NpgsqlParameter<int>("limit", query.PageSize + 1 - players.Count));
                AddServers(cmd, query);
                if (after is not null)
                {
                    cmd.Parameters.Add(new NpgsqlParameter<string>("after_id", after.PlayerId));
                    cmd.Parameters.Add(new NpgsqlParameter<float>("after_score", after.Score ?? float.MaxValue));
                }
                await using (var reader = await cmd.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        players.Add((Read(reader), reader.GetFloat(13)));
                    }
                }
                from = to;
            }
            await tx.CommitAsync(ct);
            if (players.Count <= query.PageSize)
            {
                return new PlayerPage(players.Select(p => p.Player).ToList(), null);
            }
            var last = players[query.PageSize - 1];
            return new PlayerPage(players.Take(query.PageSize).Select(p => p.Player).ToList(),
                new PlayerCursor(last.Player.PlayerId, last.Player.CharacterNameKey, last.Score));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested)
        {
            throw GrpcErrors.ResourceExhausted(
                $"fuzzy name search took longer than {query.FuzzyTimeoutMs} ms; add characters, filter by game server or search by prefix");
        }
    }

    private static async Task<(string Key, List<string> Candidates)> FuzzyCandidatesAsync(
        NpgsqlConnection connection, PlayerQuery query, string serverFilter, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CandidatesSql(serverFilter), connection);
        cmd.Parameters.Add(new NpgsqlParameter<string>("q", query.Text));
        cmd.Parameters.Add(new NpgsqlParameter<string>("timeout", query.FuzzyTimeoutMs.ToString(CultureInfo.InvariantCulture)));
        cmd.Parameters.Add(new NpgsqlParameter<int>("two_edit_length", FuzzyTwoEditLength));
        cmd.Parameters.Add(new NpgsqlParameter<int>("max_keys", FuzzyMaxKeys));
        cmd.Parameters.Add(new NpgsqlParameter<int>("window", FuzzyWindow));
        cmd.Parameters.Add(new NpgsqlParameter<int>("length_slack", FuzzyLengthSlack));
        AddServers(cmd, query);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var key = reader.GetString(1);
        await reader.NextResultAsync(ct);
        var candidates = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            candidates.Add(reader.GetString(0));
        }
        return (key, candidates);
    }

    /// <summary>Candidate keys that match, best first (ties in key order); with a cursor, only those not wholly on earlier pages.</summary>
    internal static List<(string Key, float Score)> Rank(string queryKey, IEnumerable<string> candidates, float threshold, float? afterScore)
    {
        var q = NameDistance.CodePoints(queryKey);
        var ranked = new List<(string Key, float Score)>();
        foreach (var key in candidates)
        {
            var edits = NameDistance.Edits(NameDistance.CodePoints(key), q, NameDistance.MaxEdits);
            var similarity = NameDistance.Similarity(key, queryKey);
            var score = NameDistance.Score(edits, similarity);
            if ((edits <= NameDistance.MaxEdits || similarity >= threshold) && !(score > afterScore))
            {
                ranked.Add((key, score));
            }
        }
        ranked.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Key, b.Key));
        return ranked;
    }

    internal static Player Read(NpgsqlDataReader r)
    {
        var player = new Player
        {
            PlayerId = r.GetString(0),
            Account = r.GetString(1),
            GameServerId = r.GetString(2),
            CharacterName = r.GetString(3),
            Level = r.GetInt32(4),
            VipPoints = r.GetInt64(5),
            RechargeTotal = r.GetInt64(6),
            LastLoginAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
            Contact = r.GetString(8),
            Online = r.GetBoolean(9),
            Version = r.GetInt64(10),
            SyncedAt = r.GetFieldValue<DateTimeOffset>(11),
        };
        player.SetNameKey(r.GetString(12));
        return player;
    }
}

/// <summary>
/// Page tokens of player searches. A token carries the query it belongs to, so a token handed back with a
/// different query (or tampered with) is refused rather than silently skipping rows.
/// </summary>
public static class PlayerPageToken
{
    private sealed record Body(string M, string Q, string? S, string Id, string? K, string? F);

    public static string Encode(PlayerQuery query, PlayerCursor cursor) => PageToken.Encode(JsonSerializer.Serialize(new Body(
        query.Mode.ToString(), query.Text, Servers(query), cursor.PlayerId, cursor.NameKey,
        cursor.Score?.ToString("R", CultureInfo.InvariantCulture))));

    public static PlayerCursor? Decode(string token, PlayerQuery query, string field = "page_token")
    {
        var text = PageToken.Decode(token, field);
        if (text is null)
        {
            return null;
        }
        Body? body;
        try
        {
            body = JsonSerializer.Deserialize<Body>(text);
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null || body.M != query.Mode.ToString() || body.Q != query.Text || body.S != Servers(query) || string.IsNullOrEmpty(body.Id))
        {
            throw GrpcErrors.InvalidArgument(field, "does not belong to this query");
        }
        float? score = null;
        if (body.F is not null)
        {
            if (!float.TryParse(body.F, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
            {
                throw GrpcErrors.InvalidArgument(field, "is not a token this server issued");
            }
            score = f;
        }
        return new PlayerCursor(body.Id, body.K, score);
    }

    private static string? Servers(PlayerQuery query) => query.GameServers is null ? null : string.Join(',', query.GameServers);
}
