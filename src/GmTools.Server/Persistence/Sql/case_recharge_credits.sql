-- Recharge adjustments settled by the game server's answer (Cases/RechargeAdjustment.cs, RechargeDesk).
--
-- An adjustment's CreditRecharge row carries correlation 'recharge:<adjustment id>'. When its outcome changes to
-- applied, the adjustment becomes applied and the player's recharge_total grows by the amount; failed or expired
-- makes it failed (an "applied" arriving after an expiry still settles it applied and credits it: the ledger must
-- say what the player has). The adjustment's state guards the credit, so a repeated ack, a hello's "applied
-- through" after an ack, or a redelivery after a lost ack never credit twice. It runs in whatever transaction
-- changes the outcome, so the credit and the ack commit or vanish together.
CREATE OR REPLACE FUNCTION cases_recharge_credits() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    WITH answered AS (
        SELECT split_part(n.correlation_id, ':', 2)::bigint AS adjustment_id, n.outcome, n.failure_reason,
               coalesce(n.acked_at, now()) AS at
        FROM new_rows n JOIN old_rows o ON o.command_id = n.command_id
        WHERE n.kind = 'credit_recharge' AND n.correlation_id LIKE 'recharge:%'
          AND n.outcome IS DISTINCT FROM o.outcome AND n.outcome IN ('applied', 'failed', 'expired')
    ), settled AS (
        UPDATE recharge_adjustments a
        SET state = CASE WHEN x.outcome = 'applied' THEN 'applied' ELSE 'failed' END,
            settled_at = x.at,
            failure_reason = CASE WHEN x.outcome = 'applied' THEN NULL ELSE left(coalesce(x.failure_reason, x.outcome), 500) END
        FROM answered x
        WHERE a.adjustment_id = x.adjustment_id
          AND (a.state = 'sent' OR (a.state = 'failed' AND x.outcome = 'applied'))
        RETURNING a.player_id, a.amount, a.state
    )
    UPDATE players p SET recharge_total = p.recharge_total + s.total
    FROM (SELECT player_id, sum(amount) AS total FROM settled WHERE state = 'applied' GROUP BY player_id ORDER BY player_id) s
    WHERE p.player_id = s.player_id;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS cases_recharge_credits ON gamelink_outbox;
CREATE TRIGGER cases_recharge_credits
    AFTER UPDATE ON gamelink_outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cases_recharge_credits();
