-- Campaign delivery counters kept as outcomes change (Rewards/Campaign.cs, CampaignProgressRow).
--
-- Campaign mail rows carry correlation 'campaign:<id>:<player>', their claw-backs (kind claw_back) 'campaign:<id>:<player>:clawback'.
-- A statement-level trigger with transition tables sums each statement's outcome changes per (campaign, game
-- server) and adds them in one upsert per pair, in key order (so two settling transactions never deadlock on
-- them). Whatever changes an outcome — an ack, a hello's "applied through", a pull's expiry, a withdrawal —
-- moves the counters in its own transaction, so they are exact and GetCampaign reads a few rows.
CREATE OR REPLACE FUNCTION rewards_campaign_progress() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_progress AS p (campaign_id, game_server_id, delivered, failed, cancelled, clawed_back)
    SELECT c.campaign_id, c.game_server_id,
           sum(c.mail * (c.now_applied - c.was_applied)),
           sum(c.mail * (c.now_failed - c.was_failed)),
           sum(c.mail * (c.now_cancelled - c.was_cancelled)),
           sum((1 - c.mail) * (c.now_applied - c.was_applied))
    FROM (
        SELECT split_part(n.correlation_id, ':', 2)::bigint AS campaign_id, n.game_server_id,
               CASE WHEN n.kind = 'claw_back' THEN 0 ELSE 1 END AS mail,
               (n.outcome IS NOT DISTINCT FROM 'applied')::int AS now_applied, (o.outcome IS NOT DISTINCT FROM 'applied')::int AS was_applied,
               (n.outcome IN ('failed', 'expired'))::int AS now_failed, (coalesce(o.outcome IN ('failed', 'expired'), false))::int AS was_failed,
               (n.outcome IS NOT DISTINCT FROM 'cancelled')::int AS now_cancelled, (o.outcome IS NOT DISTINCT FROM 'cancelled')::int AS was_cancelled
        FROM new_rows n JOIN old_rows o ON o.command_id = n.command_id
        WHERE n.correlation_id LIKE 'campaign:%' AND n.outcome IS DISTINCT FROM o.outcome
    ) c
    GROUP BY c.campaign_id, c.game_server_id
    ORDER BY c.campaign_id, c.game_server_id
    ON CONFLICT (campaign_id, game_server_id) DO UPDATE SET
        delivered = p.delivered + excluded.delivered,
        failed = p.failed + excluded.failed,
        cancelled = p.cancelled + excluded.cancelled,
        clawed_back = p.clawed_back + excluded.clawed_back;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS rewards_campaign_progress ON gamelink_outbox;
CREATE TRIGGER rewards_campaign_progress
    AFTER UPDATE ON gamelink_outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rewards_campaign_progress();

-- Campaigns expanded before the counters existed.
INSERT INTO campaign_progress (campaign_id, game_server_id, delivered, failed, cancelled, clawed_back)
SELECT r.campaign_id, o.game_server_id,
       count(*) FILTER (WHERE o.outcome = 'applied'),
       count(*) FILTER (WHERE o.outcome IN ('failed', 'expired')),
       count(*) FILTER (WHERE o.outcome = 'cancelled'),
       0
FROM campaign_recipients r JOIN gamelink_outbox o ON o.command_id = r.command_id
GROUP BY r.campaign_id, o.game_server_id
ON CONFLICT DO NOTHING;
