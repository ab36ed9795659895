using GmTools.Contracts.V1;
using GmTools.Server.Audit;
using GmTools.Server.GameLink;
using GmTools.Server.Persistence;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmTools.Server.Rewards;

public enum ExpansionOutcome
{
    /// <summary>Every recipient is written; the job can go.</summary>
    Finished,
    /// <summary>The campaign is not (or no longer) expanding: cancelled, or not approved.</summary>
    NotExpanding,
    /// <summary>Stopped early (shutdown, or the test hook); the next fire resumes from the cursor.</summary>
    Interrupted,
}

/// <summary>Chunks written by this process; the test hook uses it to play a replica dying mid-expansion.</summary>
public sealed class CampaignExpansionCounter
{
    private long _chunks;

    public long Chunks => Interlocked.Read(ref _chunks);

    public long Increment() => Interlocked.Increment(ref _chunks);
}

/// <summary>
/// Writes a campaign's recipients and their mail, one chunk per transaction, entirely inside PostgreSQL:
/// INSERT ... SELECT from players into campaign_recipients (ON CONFLICT DO NOTHING on its (campaign, player)
/// key), and from the rows actually inserted, INSERT into gamelink_outbox. The campaign row is locked for
/// the chunk and its cursor (last player id done) moves in the same transaction, so a crash loses at most
/// the uncommitted chunk, which the next run redoes.
/// </summary>
public sealed class CampaignExpander(GmToolsDbContext db, AuditWriter audit, CampaignExpansionCounter counter, IOptions<RewardOptions> options, TimeProvider time, ILogger<CampaignExpander> logger, GameLinkHub? hub = null)
{
    public async Task<ExpansionOutcome> ExpandAsync(long campaignId, CancellationToken ct)
    {
        var settings = options.Value.Campaigns;
        while (true)
        {
            if (ct.IsCancellationRequested)
            {
                return ExpansionOutcome.Interrupted;
            }
            if (settings.StopAfterChunks > 0 && counter.Chunks >= settings.StopAfterChunks)
            {
                logger.LogWarning("Campaign {CampaignId}: this replica stops expanding after {Chunks} chunks (test hook)", campaignId, settings.StopAfterChunks);
                return ExpansionOutcome.Interrupted;
            }
            var outcome = await ExpandChunkAsync(campaignId, settings.ChunkSize, ct);
            if (outcome is not null)
            {
                return outcome.Value;
            }
        }
    }

    /// <summary>One chunk in one transaction. Null when there is more to do.</summary>
    public async Task<ExpansionOutcome?> ExpandChunkAsync(long campaignId, int chunkSize, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var campaign = await db.LockAsync<Campaign>(campaignId, ct);
        if (campaign is null || campaign.State != CampaignStates.Expanding)
        {
            return campaign?.State == CampaignStates.Expanded ? ExpansionOutcome.Finished : ExpansionOutcome.NotExpanding;
        }
        var (from, key) = CampaignTargetSql.For(campaign);
        // No ordering lock: command ids come from this transaction's write order (gm_next_command_id), so
        // whichever game servers the chunk's players are on right now (a player may move meanwhile), their
        // mail is delivered in order and none is skipped (docs/architecture.md, "Write and delivery path").
        var sql = $"""
            WITH chunk AS (
                SELECT p.player_id, p.game_server_id FROM {from} AND {key} > @cursor ORDER BY {key} LIMIT @chunk_size
            ), ins AS (
                INSERT INTO campaign_recipients (campaign_id, player_id, game_server_id, command_id)
                SELECT @campaign_id, player_id, game_server_id, gm_next_command_id()
                FROM chunk ORDER BY player_id
                ON CONFLICT DO NOTHING
                RETURNING player_id, game_server_id, command_id
            ), mail AS (
                INSERT INTO gamelink_outbox (command_id, game_server_id, kind, body, correlation_id, created_at, expires_at, attempts)
                SELECT command_id, game_server_id, 'mail_reward', rewards_mail_body(@body_prefix, player_id),
                       @correlation_prefix || player_id, @now, @expires_at, 0
                FROM ins
            )
            SELECT (SELECT count(*) FROM chunk), (SELECT max(player_id) FROM chunk), (SELECT count(*) FROM ins),
                   (SELECT coalesce(array_agg(DISTINCT game_server_id), ARRAY[]::text[]) FROM ins)
            """;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var cmd = new NpgsqlCommand(sql, connection, (NpgsqlTransaction)tx.GetDbTransaction());
        CampaignTargetSql.AddParameters(cmd, campaign);
        var now = time.GetUtcNow();
        var expiry = options.Value.MailExpiry;
        cmd.Parameters.AddWithValue("cursor", campaign.Cursor);
        cmd.Parameters.AddWithValue("chunk_size", chunkSize);
        cmd.Parameters.AddWithValue("body_prefix", MailBodyPrefix(campaign));
        cmd.Parameters.AddWithValue("correlation_prefix", CampaignCorrelationPrefix(campaign.CampaignId));
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("expires_at", expiry > TimeSpan.Zero ? now + expiry : DBNull.Value);
        cmd.CommandTimeout = 600;
        long selected, inserted;
        string? last;
        string[] gameServers;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            selected = reader.GetInt64(0);
            last = reader.IsDBNull(1) ? null : reader.GetString(1);
            inserted = reader.GetInt64(2);
            gameServers = reader.GetFieldValue<string[]>(3);
        }
        if (last is not null)
        {
            campaign.Cursor = last;
        }
        campaign.ExpandedCount += inserted;
        var finished = selected < chunkSize;
        if (finished)
        {
            campaign.State = CampaignStates.Expanded;
            campaign.ExpandedAt = now;
        }
        await db.SaveChangesAsync(ct);
        if (finished)
        {
            await audit.AppendAsync(new AuditEntry("campaign.expanded", "campaign", campaign.CampaignId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new { recipients = campaign.ExpandedCount }, Reason: campaign.Reason, TicketRef: campaign.TicketRef), ct);
        }
        await tx.CommitAsync(ct);
        counter.Increment(); // after the commit: the test hook counts chunks that are written, not attempted
        hub?.CommandsCommitted(gameServers);
        return finished ? ExpansionOutcome.Finished : null;
    }

    public static string CampaignCorrelationPrefix(long campaignId) => $"campaign:{campaignId}:";

    public static string CampaignRef(long campaignId) => campaignId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The GameCommand with everything but the player id. The database appends a second mail_reward field
    /// holding only player_id; protobuf parsers merge repeated occurrences of a message field, so the
    /// result parses as one MailReward with every field set (see rewards_mail_body in the migration).
    /// </summary>
    public static byte[] MailBodyPrefix(Campaign c)
    {
        var mail = new MailReward { CampaignId = CampaignRef(c.CampaignId), Title = c.MailTitle, Body = c.MailBody };
        mail.Lines.AddRange(RewardLines.ToContract(RewardLines.FromJson(c.Lines)));
        return new GameCommand { MailReward = mail }.ToByteArray();
    }
}
