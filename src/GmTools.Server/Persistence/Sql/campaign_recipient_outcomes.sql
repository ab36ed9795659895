-- A campaign's ledger keeps each recipient's mail outcome once the outbox purge removes the settled row
-- (GameLink/OutboxPurge.cs; Rewards/Campaign.cs, CampaignRecipient.SettledOutcome). The counters need nothing:
-- campaign_progress moved when the outcome was set. A cancel with claw-back after the purge reads the outcome
-- from here (Rewards/CampaignCanceller.cs). Mail rows carry correlation 'campaign:<id>:<player>'.
CREATE OR REPLACE FUNCTION rewards_keep_purged_outcomes() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_recipients r SET settled_outcome = d.outcome
    FROM (
        SELECT split_part(o.correlation_id, ':', 2)::bigint AS campaign_id,
               substr(o.correlation_id, length(split_part(o.correlation_id, ':', 2)) + 11) AS player_id,
               o.command_id, o.outcome
        FROM old_rows o
        WHERE o.correlation_id LIKE 'campaign:%' AND o.kind = 'mail_reward' AND o.outcome IS NOT NULL
    ) d
    WHERE r.campaign_id = d.campaign_id AND r.player_id = d.player_id AND r.command_id = d.command_id;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS rewards_keep_purged_outcomes ON gamelink_outbox;
CREATE TRIGGER rewards_keep_purged_outcomes
    AFTER DELETE ON gamelink_outbox
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rewards_keep_purged_outcomes();
