using System.Diagnostics;
using System.Text.Json;
using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Persistence;
using GmTools.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GmTools.Server.ChatWatch;

/// <summary>
/// One ingest batch, start to end: replays recognised, every new line scored, the live state updated in Redis,
/// flagged lines recorded in PostgreSQL (one statement), then the policies of the players who were flagged.
/// Redis is optional (the batch is marked degraded); PostgreSQL is not (the batch fails with UNAVAILABLE and the
/// game server resends it; line ids make that safe).
/// </summary>
public sealed class ChatIngestDesk(
    GmToolsDbContext db,
    LiveChatRules rules,
    ChatLiveState live,
    ChatLiveFeed feed,
    ChatPolicyDesk policies,
    LocalChatWindows fallbackWindows,
    ServerMetrics metrics,
    ChatIngestStages stages,
    TimeProvider time)
{
    public async Task<IngestResult> IngestAsync(IngestBatch batch, CancellationToken ct)
    {
        var compiled = rules.Current;
        var t = Stopwatch.GetTimestamp();
        void Lap(ChatIngestStages.Stage stage)
        {
            var now = Stopwatch.GetTimestamp();
            stages.Add(stage, t, now);
            t = now;
        }
        var (own, refused) = await RefuseOtherServersPlayersAsync(batch, ct);
        Lap(ChatIngestStages.Stage.Senders);
        var distinct = new List<IncomingLine>(own.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in own)
        {
            if (ids.Add(line.LineId))
            {
                distinct.Add(line);
            }
        }
        var duplicates = own.Count - distinct.Count;

        var degraded = false;
        var seen = await live.MarkSeenAsync(batch.GameServerId, distinct);
        Lap(ChatIngestStages.Stage.Seen);
        var fresh = distinct;
        if (seen is null)
        {
            degraded = true;
        }
        else
        {
            fresh = [.. distinct.Where((_, i) => seen[i])];
            duplicates += distinct.Count - fresh.Count;
        }

        var scored = new List<ScoredLine>(fresh.Count);
        foreach (var line in fresh)
        {
            var score = compiled.RuleSet.Score(line.Text);
            var s = new ScoredLine(batch.GameServerId, line, [.. score.Matches]);
            if (compiled.WaveOn)
            {
                var key = compiled.RuleSet.NormalizedKey(line.Text);
                s.WaveKey = key.Length >= compiled.Book.Wave.MinLength ? key[..Math.Min(key.Length, ChatLimits.Term)] : null;
            }
            scored.Add(s);
        }
        Lap(ChatIngestStages.Stage.Score);

        if (degraded || !await live.CountWindowsAsync(batch.GameServerId, scored, compiled))
        {
            degraded = true;
            fallbackWindows.Count(scored, compiled);
        }
        Lap(ChatIngestStages.Stage.Windows);

        var flagged = scored.Where(s => s.Flagged).ToList();
        metrics.ChatScored(scored.Count, flagged.Count);
        var newFlags = await RecordFlagsAsync(flagged, compiled.Version, ct);
        Lap(ChatIngestStages.Stage.Flags);
        var sanctions = newFlags.Count == 0 ? 0 : await policies.ApplyAsync(newFlags, compiled, ct);
        Lap(ChatIngestStages.Stage.Policies);

        var contracts = scored.Select(ChatContracts.ToContract).ToList();
        Lap(ChatIngestStages.Stage.Contracts);
        if (degraded || !await live.RecordAsync(batch.GameServerId, scored, contracts))
        {
            degraded = true;
            feed.DeliverLocally(contracts);
        }
        Lap(ChatIngestStages.Stage.Record);
        stages.Batch();
        return new IngestResult(batch.BatchId, scored.Count, duplicates, refused, flagged.Count, sanctions, degraded, compiled.Version);
    }

    public const string SenderLivesElsewhere = "the sender lives on another game server; a game server sends only its own players' chat";

    /// <summary>
    /// A game server speaks only for its own players (<see cref="Security.ObjectRules.SpeaksFor"/>): a line whose sender
    /// another server owns is refused as lines[i].sender_player_id, so a compromised server cannot pile flags, policy
    /// mutes and ladder steps onto someone else's player. One indexed read per batch; senders nobody synced yet pass.
    /// </summary>
    private async Task<(List<IncomingLine> Own, List<RejectedLine> Rejected)> RefuseOtherServersPlayersAsync(IngestBatch batch, CancellationToken ct)
    {
        if (batch.Lines.Count == 0)
        {
            return ([], [.. batch.Rejected]);
        }
        var senders = batch.Lines.Select(l => l.SenderPlayerId).Distinct(StringComparer.Ordinal).ToList();
        var homes = await db.Set<Players.Player>().AsNoTracking().Where(p => senders.Contains(p.PlayerId))
            .Select(p => new { p.PlayerId, p.GameServerId }).ToDictionaryAsync(p => p.PlayerId, p => p.GameServerId, StringComparer.Ordinal, ct);
        var own = new List<IncomingLine>(batch.Lines.Count);
        var rejected = new List<RejectedLine>(batch.Rejected);
        foreach (var line in batch.Lines)
        {
            if (Security.ObjectRules.SpeaksFor(batch.GameServerId, homes.GetValueOrDefault(line.SenderPlayerId)))
            {
                own.Add(line);
            }
            else
            {
                rejected.Add(new RejectedLine(line.Index, $"lines[{line.Index}].sender_player_id", SenderLivesElsewhere));
            }
        }
        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        return (own, rejected);
    }

    /// <summary>Inserts the flagged lines not stored before; returns (player, category, game server) of those this call stored.</summary>
    private async Task<IReadOnlyList<NewFlag>> RecordFlagsAsync(List<ScoredLine> flagged, long version, CancellationToken ct)
    {
        if (flagged.Count == 0)
        {
            return [];
        }
        var now = time.GetUtcNow();
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO chat_flags (game_server_id, line_id, channel, sender_player_id, recipient_player_id, text, sent_at,
                                    flagged_at, category, rule, term, matches, rule_version, state)
            SELECT u.gs, u.line, u.channel, u.sender, u.recipient, u.text, u.sent_at, @now, u.category, u.rule, u.term,
                   u.matches::jsonb, @version, @pending
            FROM unnest(@gs, @line, @channel, @sender, @recipient, @text, @sent_at, @category, @rule, @term, @matches)
                 AS u(gs, line, channel, sender, recipient, text, sent_at, category, rule, term, matches)
            ON CONFLICT (game_server_id, line_id) DO NOTHING
            RETURNING sender_player_id, category, game_server_id
            """, conn);
        void Text(string name, IEnumerable<string?> values) =>
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });
        Text("gs", flagged.Select(f => f.GameServerId));
        Text("line", flagged.Select(f => f.Line.LineId));
        Text("channel", flagged.Select(f => f.Line.Channel));
        Text("sender", flagged.Select(f => f.Line.SenderPlayerId));
        Text("recipient", flagged.Select(f => f.Line.RecipientPlayerId));
        Text("text", flagged.Select(f => f.Line.Text));
        cmd.Parameters.Add(new NpgsqlParameter("sent_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = flagged.Select(f => f.Line.SentAt.UtcDateTime).ToArray() });
        Text("category", flagged.Select(f => f.Matches[0].Category));
        Text("rule", flagged.Select(f => Cut(f.Matches[0].Rule, ChatLimits.Rule)));
        Text("term", flagged.Select(f => Cut(TermOf(f.Matches[0], f.Line.Text), ChatLimits.Term)));
        Text("matches", flagged.Select(f => JsonSerializer.Serialize(f.Matches.Select(m => new StoredMatch(m.Category, m.Rule, TermOf(m, f.Line.Text), m.Start, m.Length, [.. ChatMatches.StepNames(m.Steps)])))));
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("version", version);
        cmd.Parameters.AddWithValue("pending", ChatReviewStates.Pending);
        var rows = new List<NewFlag>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new NewFlag(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>A pattern's "term" is the text it matched (the QQ number, the URL).</summary>
    public static string TermOf(RuleMatch m, string text) =>
        m.Term.Length > 0 || m.Category is ChatWindowRules.Flood or ChatWindowRules.Wave
            ? m.Term
            : text.Substring(m.Start, Math.Min(m.Length, text.Length - m.Start));

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}

public sealed record NewFlag(string PlayerId, string Category, string GameServerId);

/// <summary>How a match is kept in chat_flags.matches.</summary>
public sealed record StoredMatch(string Category, string Rule, string Term, int Start, int Length, string[] Steps);

/// <summary>The flood and wave windows a replica keeps in memory while Redis is away (per replica, so looser).</summary>
public sealed class LocalChatWindows(TimeProvider time)
{
    private readonly Lock _gate = new();
    private (long Version, ChatWindows Windows)? _windows;

    public void Count(IReadOnlyList<ScoredLine> lines, CompiledRules rules)
    {
        if (!rules.FloodOn && !rules.WaveOn)
        {
            return;
        }
        ChatWindows windows;
        lock (_gate)
        {
            if (_windows is not { } w || w.Version != rules.Version)
            {
                _windows = w = (rules.Version, new ChatWindows(
                    rules.FloodOn ? rules.Book.Flood : new FloodRule(int.MaxValue - 1, TimeSpan.FromSeconds(1)),
                    rules.Book.Wave, time));
            }
            windows = w.Windows;
        }
        foreach (var line in lines)
        {
            if (rules.FloodOn && windows.RecordLine(line.Line.SenderPlayerId))
            {
                line.Matches.Add(ChatMatches.Flood(line.Line.Text));
            }
            if (rules.WaveOn && line.WaveKey is { } key && windows.IsWave(windows.RecordText(key, line.Line.SenderPlayerId)))
            {
                line.Matches.Add(ChatMatches.Wave(line.Line.Text));
            }
        }
    }
}
