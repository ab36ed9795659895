-- Every sanctions row says which transaction last wrote it, so a replica's in-process set of sanctions in force
-- (Sanctions/ActiveSanctionSet.cs) can read exactly what changed since its last read: everything written by a
-- transaction its previous snapshot could not see has an id at or above that snapshot's xmin.
ALTER TABLE sanctions ADD COLUMN IF NOT EXISTS changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX IF NOT EXISTS ix_sanctions_changed_xid ON sanctions (changed_xid);

CREATE OR REPLACE FUNCTION sanctions_mark_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS sanctions_mark_change ON sanctions;
CREATE TRIGGER sanctions_mark_change
    BEFORE UPDATE ON sanctions
    FOR EACH ROW EXECUTE FUNCTION sanctions_mark_change();
