-- Write order without a lock (docs/architecture.md, "Write and delivery path").
--
-- A transaction's place in write order is its transaction id (xid8: 64 bits, never wraps), taken when it first
-- writes. Rows that must be read "in order, none skipped" (outbox commands, audit records) carry it. A reader
-- asks for the horizon: every transaction of this database whose order is below it has ended, so rows below
-- it are final (committed and visible, or rolled back and gone for good) and a cursor may move past them.
-- Nothing is locked on the write side; a reader waits only while an older transaction is still open.

-- Added to every order; stays 0 unless the database was restored into a cluster whose transaction ids are
-- behind its rows' (see gm_rebase_write_order). Immutable so it costs nothing per row.
CREATE OR REPLACE FUNCTION gm_txn_order_offset() RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT 0::bigint';

-- The current transaction's order (assigns it a transaction id if it has none yet).
CREATE OR REPLACE FUNCTION gm_txn_order() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$ SELECT pg_current_xact_id()::text::bigint + gm_txn_order_offset() $$;

-- Every transaction of this database with an order below the result has ended.
-- Must run in a statement of its own, BEFORE the statement that reads rows with it: a transaction that ends
-- between a reading statement's snapshot and this scan would otherwise be below the horizon yet invisible.
-- Running transactions come from pg_stat_get_activity (their 32-bit xids, widened against the snapshot's
-- xmax, which is within 2^31 of every running xid) and pg_prepared_xacts; other databases' transactions
-- cannot write these tables and are ignored, so a long transaction elsewhere in the cluster holds no one back.
-- Any transaction that gets an id after the snapshot gets one at or above its xmax.
CREATE OR REPLACE FUNCTION gm_txn_horizon() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS nxt),
    running AS (
        SELECT a.backend_xid::text::bigint AS x FROM pg_stat_get_activity(NULL) a
        WHERE a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
        UNION ALL
        SELECT p.transaction::text::bigint FROM pg_prepared_xacts p WHERE p.database = current_database())
    SELECT least(s.nxt, min(s.nxt + ((r.x - s.nxt % 4294967296 + 6442450944) % 4294967296 - 2147483648)))
           + gm_txn_order_offset()
    FROM s LEFT JOIN running r ON true
    GROUP BY s.nxt
$$;

-- Outbox command ids: (order << 20) + n, n counting this transaction's commands from 1. Ids therefore follow
-- write order per game server and within a transaction follow insertion order; at most 2^20 - 1 commands per
-- transaction. The counter is a transaction-local setting, undone with a rolled-back savepoint together with
-- the rows that used it.
CREATE OR REPLACE FUNCTION gm_command_id_overflow() RETURNS bigint
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'more than 1048575 outbox commands in one transaction';
END $$;

CREATE OR REPLACE FUNCTION gm_next_command_id() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN n < 1048576 THEN (gm_txn_order() << 20) + n ELSE gm_command_id_overflow() END
    FROM (SELECT set_config('gmtools.command_n',
                 (coalesce(nullif(current_setting('gmtools.command_n', true), ''), '0')::int + 1)::text, true)::bigint AS n) c
$$;

-- The outbox horizon in command-id space: every command with a smaller id that will ever exist is final.
CREATE OR REPLACE FUNCTION gm_command_horizon() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$ SELECT gm_txn_horizon() << 20 $$;

-- The highest order stored in the ordered tables (outbox ids, audit records).
CREATE OR REPLACE FUNCTION gm_stored_write_order() RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    stored bigint := 0;
BEGIN
    IF to_regclass('gamelink_outbox') IS NOT NULL THEN
        EXECUTE 'SELECT coalesce(max(command_id) >> 20, 0) FROM gamelink_outbox' INTO stored;
    END IF;
    IF to_regclass('audit_records') IS NOT NULL
       AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'audit_records' AND column_name = 'tx_order') THEN
        EXECUTE 'SELECT greatest($1, coalesce(max(tx_order), 0)) FROM audit_records' INTO stored USING stored;
    END IF;
    RETURN stored;
END $$;

-- True when stored rows are ahead of the transactions to come: new rows would sort before old ones.
CREATE OR REPLACE FUNCTION gm_write_order_is_behind() RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT gm_stored_write_order() >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint + gm_txn_order_offset()
$$;

-- After a logical restore into a new cluster, transaction ids start low again and new rows would sort before
-- old ones. This moves the offset so the next order is above every stored one. Idempotent; returns the offset.
-- The server refuses to start while the stored orders are ahead (GmTools.Server checks at start).
CREATE OR REPLACE FUNCTION gm_rebase_write_order() RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    stored bigint := gm_stored_write_order();
    raw bigint := pg_current_xact_id()::text::bigint;
    wanted bigint;
BEGIN
    wanted := greatest(0, stored + 1 - raw);
    IF wanted > gm_txn_order_offset() THEN
        EXECUTE format('CREATE OR REPLACE FUNCTION gm_txn_order_offset() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
                       'SELECT ' || wanted || '::bigint');
        RETURN wanted;
    END IF;
    RETURN gm_txn_order_offset();
END $$;
