-- The audit chain off the request path (docs/architecture.md, "Audit chain").
--
-- A request appends its audit record with an id in write order, like an outbox command:
-- (transaction order << 20) + n. It takes no lock and reads no chain head. The background chainer links records
-- in id order, and only below the write-order horizon (write_order.sql), so a record committed later with a lower
-- id can never be skipped: it cannot exist below the horizon unless its transaction has already ended.

CREATE OR REPLACE FUNCTION gm_audit_id_overflow() RETURNS bigint
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'more than 1048575 audit records in one transaction';
END $$;

-- The counter is transaction-local and undone with a rolled-back savepoint together with the rows that used it.
CREATE OR REPLACE FUNCTION gm_next_audit_id() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN n < 1048576 THEN (gm_txn_order() << 20) + n ELSE gm_audit_id_overflow() END
    FROM (SELECT set_config('gmtools.audit_n',
                 (coalesce(nullif(current_setting('gmtools.audit_n', true), ''), '0')::int + 1)::text, true)::bigint AS n) c
$$;

-- The highest order stored in the ordered tables (outbox ids, audit record ids); records from before the chainer
-- have negative ids and count for nothing.
CREATE OR REPLACE FUNCTION gm_stored_write_order() RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    stored bigint := 0;
BEGIN
    IF to_regclass('gamelink_outbox') IS NOT NULL THEN
        EXECUTE 'SELECT coalesce(max(command_id) >> 20, 0) FROM gamelink_outbox' INTO stored;
    END IF;
    IF to_regclass('audit_records') IS NOT NULL
       AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'audit_records' AND column_name = 'id') THEN
        EXECUTE 'SELECT greatest($1, coalesce(max(id) >> 20, 0)) FROM audit_records' INTO stored USING stored;
    END IF;
    RETURN stored;
END $$;

-- Still append-only, with one exception: the chainer links a record once, filling sequence, prev_hash, hash and
-- chained_at of a record that has none, and touching nothing else. Every other update and every delete is refused.
CREATE OR REPLACE FUNCTION audit_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.sequence IS NULL AND OLD.hash IS NULL AND NEW.sequence IS NOT NULL AND NEW.hash IS NOT NULL
       AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.actor = OLD.actor AND NEW.actor_role = OLD.actor_role
       AND NEW.action = OLD.action AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id
       AND NEW.player_id IS NOT DISTINCT FROM OLD.player_id AND NEW.game_server_id IS NOT DISTINCT FROM OLD.game_server_id
       AND NEW.reason = OLD.reason AND NEW.ticket_ref = OLD.ticket_ref AND NEW.request_id = OLD.request_id
       AND NEW.outcome = OLD.outcome AND NEW.change::text = OLD.change::text
       AND NEW.record_key = OLD.record_key AND NEW.mac IS NOT DISTINCT FROM OLD.mac THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_records is append-only';
END $$;
